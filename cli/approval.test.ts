import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalDetails, decisionLine } from './approval-format.ts';
import { EXIT } from './errors.ts';
import { FAKE_TOKEN, runCliCaptured as cli, startFakeGateway } from './testing.ts';

const RUN = 'train-classifier-1a2b3c4d';
const waiting = {
  runId: RUN,
  state: 'awaiting-approval',
  modelName: 'wine-forest',
  version: 'bbbbbbbbbbbb',
  deadline: '2026-01-01T01:00:00.000Z',
} as const;

/** A stand-in gateway for the approval routes. */
const fakeGateway = () =>
  startFakeGateway(({ method, url, body: sent }) => {
    const body = sent as { approved?: boolean; reason?: string } | undefined;
    if (url === `/function/baton/runs/${RUN}/approval` && method === 'GET') return { status: 200, body: waiting };
    if (url === `/function/baton/runs/${RUN}/approval` && body?.reason === 'x'.repeat(2001)) {
      return {
        status: 400,
        body: {
          error: {
            message: 'invalid approval',
            issues: [{ path: 'reason', message: 'Too big: expected string to have <=2000 characters' }],
          },
        },
      };
    }
    // Who decides is the credential's name: the API takes it from the key, never from the body.
    if (url === `/function/baton/runs/${RUN}/approval`)
      return { status: 200, body: { runId: RUN, version: 'bbbbbbbbbbbb', approved: body?.approved, by: 'alice' } };
    if (url === '/function/baton/runs/done-run/approval')
      return { status: 409, body: { error: { message: 'this run is not waiting for an approval (state: approved)' } } };
    return { status: 404, body: { error: { message: 'no run "nope"' } } };
  });

test('a decision is one line; the approval state shows the version, the deadline and what to do next', () => {
  assert.equal(
    decisionLine({ runId: 'r', version: 'v2', approved: true, by: 'alice' }),
    'r: version v2 approved by alice; the run promotes it to production now',
  );
  assert.equal(
    decisionLine({ runId: 'r', version: 'v2', approved: false, by: 'bob' }),
    'r: version v2 rejected by bob; it stays in staging',
  );

  const now = Date.parse('2026-01-01T00:50:30Z');
  assert.deepEqual(approvalDetails(waiting, 'UTC', now), [
    `run       ${RUN}`,
    'state     awaiting-approval',
    'model     wine-forest bbbbbbbbbbbb',
    'deadline  2026-01-01 01:00:00 (in 9m 30s)',
    '',
    'decide with',
    `  baton runs approve ${RUN} [--reason <text>]`,
    `  baton runs reject ${RUN} [--reason <text>]`,
  ]);
  assert.match(
    approvalDetails(waiting, 'UTC', Date.parse('2026-01-01T02:00:00Z'))[3]!,
    /^deadline {2}2026-01-01 01:00:00 \(passed\)$/,
  );
  assert.equal(
    approvalDetails({ ...waiting, approverMustNotBeStarter: true }, 'UTC', now)[4],
    'rule      the approver must be someone other than the one who started the run',
  );
  const approved = approvalDetails(
    { ...waiting, state: 'approved', decision: { approved: true, by: 'alice', reason: 'checked the report' } },
    'UTC',
    now,
  );
  assert.deepEqual(approved.slice(3), [
    'deadline  2026-01-01 01:00:00',
    'decision  approved by alice: checked the report',
    '',
    'the run promotes the version to production',
  ]);
  const rejected = approvalDetails(
    { ...waiting, state: 'rejected', decision: { approved: false, by: 'bob' } },
    'UTC',
    now,
  );
  assert.deepEqual(rejected.slice(4), ['decision  rejected by bob', '', 'the version stays in staging']);
  assert.equal(
    approvalDetails({ ...waiting, state: 'expired' }, 'UTC', now).at(-1),
    'no decision came before the deadline: the version stays in staging',
  );
  assert.deepEqual(approvalDetails({ runId: 'r', state: 'not-needed-yet' }, 'UTC', now), [
    'run       r',
    'state     not-needed-yet',
    '',
    'the run is not waiting for an approval: its promotion has not been reached yet, or its pipeline needs none',
  ]);
});

test('runs approve, runs reject and runs approval call the approval route', async () => {
  const gateway = await fakeGateway();
  try {
    const approved = await cli(['runs', 'approve', RUN, '--reason', 'checked the report'], gateway.env);
    assert.equal(approved.code, EXIT.ok, approved.err);
    assert.equal(approved.out, `${RUN}: version bbbbbbbbbbbb approved by alice; the run promotes it to production now`);
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'POST',
      url: `/function/baton/runs/${RUN}/approval`,
      body: { approved: true, reason: 'checked the report' },
    });
    assert.equal(
      gateway.authorizations.at(-1),
      `Bearer ${FAKE_TOKEN}`,
      'the credential (BATON_TOKEN) goes in a header',
    );

    const rejected = await cli(['runs', 'reject', RUN, '--json'], gateway.env);
    assert.equal(rejected.code, EXIT.ok, rejected.err);
    assert.deepEqual(JSON.parse(rejected.out), { runId: RUN, version: 'bbbbbbbbbbbb', approved: false, by: 'alice' });
    assert.deepEqual(gateway.requests.at(-1)?.body, { approved: false }, 'no reason: none sent');

    const status = await cli(['runs', 'approval', RUN], gateway.env);
    assert.equal(status.code, EXIT.ok, status.err);
    assert.match(
      status.out,
      new RegExp(
        `^run {7}${RUN}\\nstate {5}awaiting-approval\\nmodel {5}wine-forest bbbbbbbbbbbb\\ndeadline {2}2026-01-01 01:00:00`,
      ),
    );
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'GET',
      url: `/function/baton/runs/${RUN}/approval`,
      body: undefined,
    });
    assert.deepEqual(JSON.parse((await cli(['runs', 'approval', RUN, '--json'], gateway.env)).out), waiting);
  } finally {
    await gateway.close();
  }
});

test("a refused decision shows the run's reason (409), an unknown run or bad field the API's message; all exit 2", async () => {
  const gateway = await fakeGateway();
  try {
    const refused = await cli(['runs', 'approve', 'done-run'], gateway.env);
    assert.equal(refused.code, EXIT.usage);
    assert.equal(
      refused.err,
      'baton: this run is not waiting for an approval (state: approved)\n  see where its approval stands: baton runs approval done-run',
    );
    const unknown = await cli(['runs', 'reject', 'nope'], gateway.env);
    assert.equal(unknown.code, EXIT.usage);
    assert.equal(unknown.err, 'baton: no run "nope"');
    const unknownStatus = await cli(['runs', 'approval', 'nope'], gateway.env);
    assert.equal(unknownStatus.code, EXIT.usage);
    assert.equal(unknownStatus.err, 'baton: no run "nope"');
    const invalid = await cli(['runs', 'approve', RUN, '--reason', 'x'.repeat(2001)], gateway.env);
    assert.equal(invalid.code, EXIT.usage);
    assert.equal(invalid.err, 'baton: invalid approval\n  reason: Too big: expected string to have <=2000 characters');
  } finally {
    await gateway.close();
  }
});

test('approve and reject take no --by (who decides comes from the credential) and call nothing when misused', async () => {
  const gateway = await fakeGateway();
  try {
    const withBy = await cli(['runs', 'approve', RUN, '--by', 'mallory'], gateway.env);
    assert.equal(withBy.code, EXIT.usage);
    assert.match(withBy.err, /^baton: unknown option --by/);
    const missingRun = await cli(['runs', 'approve'], gateway.env);
    assert.equal(missingRun.code, EXIT.usage);
    assert.match(missingRun.err, /^baton: missing <runId>\nusage: baton runs approve/);
    assert.equal(gateway.requests.length, 0, 'usage errors call nothing');
  } finally {
    await gateway.close();
  }
});

test('help lists the approval commands', async () => {
  const help = await cli(['--help']);
  assert.match(help.out, /baton runs approve <runId> \[--reason <text>\] \[--json\]/);
  assert.match(help.out, /baton runs reject <runId> \[--reason <text>\] \[--json\]/);
  assert.match(help.out, /baton runs approval <runId> \[--json\]/);
  assert.match(
    (await cli(['runs', '--help'])).out,
    /baton runs approval <runId>[\s\S]*baton runs approve <runId>[\s\S]*baton runs reject <runId>/,
  );
  assert.match(
    (await cli(['runs', 'approve', '--help'])).out,
    /^Usage: baton runs approve <runId> \[--reason[\s\S]*"approved": true/,
  );
  assert.match(
    (await cli(['runs', 'reject', '--help'])).out,
    /^Usage: baton runs reject <runId> \[--reason[\s\S]*"approved": false/,
  );
});
