import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScheduleSummaryView, ScheduleView } from './api/schedules-client.ts';
import { EXIT } from './errors.ts';
import { scheduleDetails, schedulesTable } from './schedules-format.ts';
import { runCliCaptured as cli, startFakeGateway, type FakeRequest } from './testing.ts';

const view: ScheduleView = {
  scheduleId: 'nightly',
  pipeline: 'train-classifier',
  input: { dataset: 'wine' },
  spec: { cron: ['0 3 * * *'], intervals: [{ every: '2h', offset: '15m' }], timezone: 'Europe/Paris' },
  policy: { overlap: 'skip', catchupWindow: '365d', pauseOnFailure: true },
  state: { paused: true, note: 'holiday' },
  createdBy: { id: 'key:t', name: 'tom' },
  createdAt: '2026-01-01T00:00:00Z',
  actions: { taken: 3, skippedOverlap: 1, missedCatchupWindow: 0 },
  recentActions: [
    { runId: 'nightly-2026-01-02T03:00:00Z', scheduledAt: '2026-01-02T03:00:00Z', takenAt: '2026-01-02T03:00:01Z' },
  ],
  runningRuns: ['nightly-2026-01-02T03:00:00Z'],
  nextActionTimes: ['2026-01-03T03:00:00Z'],
  links: {
    self: 'http://gw/function/baton/schedules/nightly',
    temporalUi: 'http://ui/namespaces/default/schedules/nightly',
  },
};

const summary: ScheduleSummaryView = {
  scheduleId: 'nightly',
  pipeline: 'train-classifier',
  paused: false,
  createdBy: 'tom',
  nextActionTimes: ['2026-01-03T03:00:00Z'],
  lastRun: { runId: 'nightly-2026-01-02T03:00:00Z', takenAt: '2026-01-02T03:00:01Z' },
};

/** A stand-in gateway with one schedule, `nightly`; `theirs` is another's (403); anything else 404. */
const fakeGateway = () =>
  startFakeGateway(({ method, url, body }: FakeRequest) => {
    const base = '/function/baton/schedules';
    if (method === 'POST' && url === base) {
      const request = body as { scheduleId?: string; pipeline: string; paused?: boolean };
      if (request.pipeline === 'nope')
        return {
          status: 404,
          body: { error: { message: 'unknown pipeline "nope"; known pipelines: train-classifier' } },
        };
      if (JSON.stringify(request).includes('"61 * * * *"'))
        return {
          status: 400,
          body: {
            error: {
              message: 'Temporal refused the schedule: invalid minute',
              issues: [{ path: 'spec', message: 'invalid minute' }],
            },
          },
        };
      const scheduleId = request.scheduleId ?? 'train-classifier-0a1b2c3d';
      return {
        status: 201,
        body: { scheduleId, pipeline: request.pipeline, paused: request.paused ?? false, links: view.links },
      };
    }
    if (method === 'GET' && url.startsWith(`${base}?`)) return { status: 200, body: { schedules: [summary] } };
    if (method === 'GET' && url === base) return { status: 200, body: { schedules: [] } };
    if (url.startsWith(`${base}/theirs`))
      return {
        status: 403,
        body: {
          error: { message: 'tom may manage only the schedules it created; schedule "theirs" was created by olga' },
        },
      };
    if (!url.startsWith(`${base}/nightly`)) return { status: 404, body: { error: { message: 'no schedule "x"' } } };
    if (method === 'GET') return { status: 200, body: view };
    if (method === 'DELETE') return { status: 200, body: { scheduleId: 'nightly', deleted: true } };
    const note = (body as { note?: string } | undefined)?.note;
    if (url.endsWith('/pause'))
      return { status: 200, body: { scheduleId: 'nightly', paused: true, note: note ?? 'paused by tom' } };
    if (url.endsWith('/unpause'))
      return { status: 200, body: { scheduleId: 'nightly', paused: false, note: note ?? 'unpaused by tom' } };
    if (url.endsWith('/trigger')) {
      const overlap = (body as { overlap?: string }).overlap ?? 'allow-all';
      return { status: 202, body: { scheduleId: 'nightly', overlap, status: 'triggered', links: view.links } };
    }
    return undefined;
  });

test('show prints when it fires, its state, runs started, recent and next runs, and its links', () => {
  assert.deepEqual(scheduleDetails(view, 'UTC'), [
    'schedule   nightly',
    'pipeline   train-classifier',
    'state      paused (holiday)',
    'when       cron 0 3 * * *; every 2h offset 15m; time zone Europe/Paris',
    'overlap    skip; catch-up window 365d; pauses when a run fails',
    'created    2026-01-01 00:00:00 by tom',
    'runs       3 started, 1 skipped (overlap), 0 missed (catch-up window)',
    '',
    'input',
    '  {',
    '    "dataset": "wine"',
    '  }',
    '',
    'recent runs',
    '  nightly-2026-01-02T03:00:00Z  2026-01-02 03:00:01  running',
    '',
    'next runs',
    '  2026-01-03 03:00:00',
    '',
    'API          http://gw/function/baton/schedules/nightly',
    'Temporal UI  http://ui/namespaces/default/schedules/nightly',
  ]);
  assert.deepEqual(schedulesTable([summary, { ...summary, scheduleId: 'off', paused: true }], 'UTC'), [
    'SCHEDULE ID  PIPELINE          STATE   NEXT RUN             LAST RUN                      CREATED BY',
    'nightly      train-classifier  active  2026-01-03 03:00:00  nightly-2026-01-02T03:00:00Z  tom',
    'off          train-classifier  paused  -                    nightly-2026-01-02T03:00:00Z  tom',
  ]);
});

test('schedules create sends the spec from --cron/--every or --spec, the input, policy and state', async () => {
  const gateway = await fakeGateway();
  try {
    const created = await cli(
      [
        'schedules',
        'create',
        'train-classifier',
        '--cron',
        '0 3 * * MON,FRI; @hourly',
        '--every',
        '2h/15m, 1d',
        '--timezone',
        'Europe/Paris',
        '--jitter',
        '30s',
        '--start',
        '2026-01-01T00:00:00Z',
        '--input',
        '{"dataset": "wine"}',
        '--id',
        'nightly',
        '--overlap',
        'buffer-one',
        '--catchup-window',
        '1h',
        '--pause-on-failure',
        '--paused',
        '--note',
        'waiting for data',
      ],
      gateway.env,
    );
    assert.equal(created.code, EXIT.ok, created.err);
    assert.equal(created.out, 'nightly');
    assert.match(
      created.err,
      /created paused: schedule nightly of train-classifier\nsee it {6}baton schedules show nightly/,
    );
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'POST',
      url: '/function/baton/schedules',
      body: {
        pipeline: 'train-classifier',
        spec: {
          cron: ['0 3 * * MON,FRI', '@hourly'],
          intervals: [{ every: '2h', offset: '15m' }, { every: '1d' }],
          timezone: 'Europe/Paris',
          jitter: '30s',
          startAt: '2026-01-01T00:00:00Z',
        },
        input: { dataset: 'wine' },
        scheduleId: 'nightly',
        policy: { overlap: 'buffer-one', catchupWindow: '1h', pauseOnFailure: true },
        paused: true,
        note: 'waiting for data',
      },
    });

    const fromSpec = await cli(
      ['schedules', 'create', 'train-classifier', '--spec', '{"intervals": [{"every": "1h"}]}', '--json'],
      gateway.env,
    );
    assert.equal(fromSpec.code, EXIT.ok, fromSpec.err);
    assert.equal(JSON.parse(fromSpec.out).scheduleId, 'train-classifier-0a1b2c3d');
    assert.deepEqual(gateway.requests.at(-1)!.body, {
      pipeline: 'train-classifier',
      spec: { intervals: [{ every: '1h' }] },
    });
  } finally {
    await gateway.close();
  }
});

test('schedules create: no time, or --spec with time flags, is a usage error that calls nothing; server refusals exit 2 naming the field', async () => {
  const gateway = await fakeGateway();
  try {
    const noWhen = await cli(['schedules', 'create', 'train-classifier'], gateway.env);
    assert.equal(noWhen.code, EXIT.usage);
    assert.match(noWhen.err, /^baton: say when: --cron "0 3 \* \* \*", --every 1h, or --spec/);
    const both = await cli(
      ['schedules', 'create', 'p', '--spec', '{}', '--cron', '@daily', '--timezone', 'UTC'],
      gateway.env,
    );
    assert.equal(both.code, EXIT.usage);
    assert.match(both.err, /--spec holds the whole spec: leave out --cron, --timezone, or --spec/);
    const badJson = await cli(['schedules', 'create', 'p', '--every', '1h', '--input', '{dataset}'], gateway.env);
    assert.match(badJson.err, /--input is not valid JSON/);
    assert.equal(gateway.requests.length, 0, 'usage errors call nothing');

    const refused = await cli(['schedules', 'create', 'train-classifier', '--cron', '61 * * * *'], gateway.env);
    assert.equal(refused.code, EXIT.usage);
    assert.match(refused.err, /Temporal refused the schedule: invalid minute\n {2}spec: invalid minute/);
    const unknown = await cli(['schedules', 'create', 'nope', '--every', '1h'], gateway.env);
    assert.equal(unknown.code, EXIT.usage);
    assert.match(unknown.err, /unknown pipeline "nope"/);
  } finally {
    await gateway.close();
  }
});

test('schedules list, show, pause, unpause, trigger and delete call their routes; refusals exit 2', async () => {
  const gateway = await fakeGateway();
  try {
    const listed = await cli(['schedules', 'list', '--pipeline', 'train-classifier', '--limit', '5'], gateway.env);
    assert.equal(listed.code, EXIT.ok, listed.err);
    assert.match(
      listed.out,
      /^SCHEDULE ID +PIPELINE +STATE +NEXT RUN +LAST RUN +CREATED BY\nnightly +train-classifier +active/,
    );
    const empty = await cli(['schedules', 'list'], gateway.env);
    assert.match(
      empty.err,
      /no schedules yet: make one with `baton schedules create <pipeline> --cron "0 3 \* \* \*"`/,
    );
    assert.equal((await cli(['schedules', 'list', '--limit', '0'], gateway.env)).code, EXIT.usage);

    const shown = await cli(['schedules', 'show', 'nightly'], gateway.env);
    assert.equal(shown.code, EXIT.ok);
    assert.match(shown.out, /^schedule {3}nightly\npipeline {3}train-classifier\nstate {6}paused \(holiday\)/);
    assert.deepEqual(JSON.parse((await cli(['schedules', 'show', 'nightly', '--json'], gateway.env)).out), view);

    assert.equal(
      (await cli(['schedules', 'pause', 'nightly', '--note', 'data late'], gateway.env)).out,
      'paused schedule nightly (data late)',
    );
    assert.equal(
      (await cli(['schedules', 'unpause', 'nightly'], gateway.env)).out,
      'unpaused schedule nightly (unpaused by tom)',
    );
    assert.match(
      (await cli(['schedules', 'trigger', 'nightly', '--overlap', 'skip'], gateway.env)).out,
      /^triggered schedule nightly \(overlap skip\)/,
    );
    assert.match((await cli(['schedules', 'trigger', 'nightly'], gateway.env)).out, /\(overlap allow-all\)/);
    assert.equal((await cli(['schedules', 'delete', 'nightly'], gateway.env)).out, 'deleted schedule nightly');
    assert.deepEqual(
      gateway.requests.map((request) => `${request.method} ${request.url} ${JSON.stringify(request.body) ?? ''}`),
      [
        'GET /function/baton/schedules?pipeline=train-classifier&limit=5 ',
        'GET /function/baton/schedules ',
        'GET /function/baton/schedules/nightly ',
        'GET /function/baton/schedules/nightly ',
        'POST /function/baton/schedules/nightly/pause {"note":"data late"}',
        'POST /function/baton/schedules/nightly/unpause {}',
        'POST /function/baton/schedules/nightly/trigger {"overlap":"skip"}',
        'POST /function/baton/schedules/nightly/trigger {}',
        'DELETE /function/baton/schedules/nightly ',
      ],
    );

    const notYours = await cli(['schedules', 'delete', 'theirs'], gateway.env);
    assert.equal(notYours.code, EXIT.usage);
    assert.match(notYours.err, /tom may manage only the schedules it created/);
    const missing = await cli(['schedules', 'pause', 'gone'], gateway.env);
    assert.equal(missing.code, EXIT.usage);
    assert.match(missing.err, /no schedule/);
  } finally {
    await gateway.close();
  }
});

test('help lists the schedules commands', async () => {
  const help = (await cli(['--help'])).out;
  for (const command of ['create', 'list', 'show', 'pause', 'unpause', 'trigger', 'delete'])
    assert.match(help, new RegExp(`baton schedules ${command}`));
  const group = await cli(['schedules', '--help']);
  assert.equal(group.code, EXIT.ok);
  assert.match((await cli(['schedules', 'create', '--help'])).out, /cancel-other \(cancel the running one\)/);
});
