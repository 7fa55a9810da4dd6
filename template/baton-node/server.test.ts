import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { StepErrorType } from './step-contract.ts';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createStepServer } from './server.ts';
import { StepInputError } from './errors.ts';
import { TEST_STEP_KEY, signatureHeaders } from './testing.ts';
import { reportSignatureProblem } from './step-signature.ts';

const server = createStepServer(
  {
    input: z.object({ n: z.number().int().min(1) }),
    async handle(input: { n: number }, ctx) {
      if (input.n === 13) throw new StepInputError('13 is unlucky', { path: 'n' });
      if (input.n === 99) throw new Error('handler exploded');
      if (input.n === 507) {
        const minio = Object.assign(new Error('Storage backend has reached its minimum free drive threshold.'), {
          code: 'XMinioStorageFull',
        });
        throw new Error('could not store the report', { cause: minio });
      }
      return { output: { doubled: input.n * 2, step: ctx.run.step, callId: ctx.callId }, metrics: { n: input.n } };
    },
  },
  'doubler',
  { stepKey: TEST_STEP_KEY },
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const run = { workflowId: 'w', runId: 'r', pipeline: 'p', step: 'double', attempt: 1 };

/** POSTs `body`, signed for this function as the orchestrator would (`sign: false` sends no signature). */
async function post(body: unknown, headers: Record<string, string> = {}, sign = true) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = sign && typeof body !== 'string' ? signatureHeaders('doubler', text) : {};
  const response = await fetch(url, { method: 'POST', body: text, headers: { ...signed, ...headers } });
  const raw = await response.text();
  return {
    status: response.status,
    json: JSON.parse(raw) as { error: { message: string; issues: { path: string; message: string }[] } } & Record<
      string,
      unknown
    >,
    raw,
    signature: response.headers.get('x-baton-signature') ?? undefined,
  };
}

test('a valid envelope runs the handler and answers {output, metrics}', async () => {
  const { status, json } = await post({ input: { n: 4 }, run }, { 'X-Call-Id': 'call-1' });
  assert.equal(status, 200);
  assert.deepEqual(json, { output: { doubled: 8, step: 'double', callId: 'call-1' }, metrics: { n: 4 } });
});

test('a call without a valid signature is a 401 naming what is wrong, and the handler does not run', async () => {
  const body = JSON.stringify({ input: { n: 99 }, run });
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['missing', {}, body, /missing X-Baton-Signature/],
    ['expired', signatureHeaders('doubler', body, TEST_STEP_KEY, -1), body, /expired/],
    ['signed for another function', signatureHeaders('tripler', body), body, /not signed for doubler/],
    [
      'signed with another key',
      signatureHeaders('doubler', body, 'another-key-0123456789abcdef0123456789'),
      body,
      /does not match/,
    ],
    ['altered body', signatureHeaders('doubler', body), JSON.stringify({ input: { n: 98 }, run }), /does not match/],
    [
      'altered run',
      signatureHeaders('doubler', body),
      JSON.stringify({ input: { n: 99 }, run: { ...run, workflowId: 'other' } }),
      /does not match/,
    ],
    ['malformed', { 'X-Baton-Signature': 'v1,sig=abc' }, body, /malformed/],
  ];
  for (const [name, headers, sent, message] of cases) {
    const { status, json } = await post(sent, headers, false);
    assert.equal(status, 401, name);
    assert.equal((json.error as unknown as { type: string }).type, StepErrorType.Unauthorized, name);
    assert.match(json.error.message, message, name);
    assert.ok(!json.error.message.includes(TEST_STEP_KEY), 'the key is never in an answer');
  }
});

test('a malformed envelope is a 400 naming the field', async () => {
  const { status, json } = await post({ input: { n: 4 }, run: { ...run, attempt: 0 } });
  assert.equal(status, 400);
  assert.deepEqual(
    json.error.issues.map((issue: { path: string }) => issue.path),
    ['run.attempt'],
  );
  assert.equal((await post('{not json')).status, 400);
});

test("input that fails the handler's schema or checks is a 422 with input paths", async () => {
  const schema = await post({ input: { n: 0 }, run });
  assert.equal(schema.status, 422);
  assert.equal(schema.json.error.issues[0]?.path, 'input.n');
  const thrown = await post({ input: { n: 13 }, run });
  assert.equal(thrown.status, 422);
  assert.deepEqual(thrown.json.error.issues, [{ path: 'input.n', message: '13 is unlucky' }]);
});

test('a handler crash is a 500 with the message and no stack', async () => {
  const { status, json } = await post({ input: { n: 99 }, run });
  assert.equal(status, 500);
  assert.equal(json.error.message, 'handler exploded');
  assert.ok(!JSON.stringify(json).includes('at '), 'no stack trace in the body');
});

test('a write that failed on a full disk (here MinIO, as a cause) is a 507 StorageFull that says so', async () => {
  const { status, json } = await post({ input: { n: 507 }, run });
  assert.equal(status, 507);
  assert.deepEqual(json.error, { message: 'the storage is full: could not store the report', type: 'StorageFull' });
});

test('every answer to a signed call is signed by the function, for its status, run and body; others are not', async () => {
  for (const n of [4, 0, 13, 99]) {
    const { status, raw, signature } = await post({ input: { n }, run });
    assert.equal(
      reportSignatureProblem(signature, { fn: 'doubler', run, status }, raw, TEST_STEP_KEY, 'answer'),
      undefined,
      `n=${n} (${status})`,
    );
    assert.match(
      reportSignatureProblem(
        signature,
        { fn: 'doubler', run, status: status === 200 ? 500 : 200 },
        raw,
        TEST_STEP_KEY,
        'answer',
      )!,
      /does not match/,
      'the status is signed',
    );
  }
  // A call the function could not authenticate gets no signature: there is no verified run to sign for.
  assert.equal((await post({ input: { n: 4 }, run }, {}, false)).signature, undefined);
  assert.equal((await post('{not json')).signature, undefined);
});
