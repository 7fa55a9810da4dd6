import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createStepServer } from './server.ts';
import { StepInputError } from './errors.ts';

const server = createStepServer({
  input: z.object({ n: z.number().int().min(1) }),
  async handle(input: { n: number }, ctx) {
    if (input.n === 13) throw new StepInputError('13 is unlucky', { path: 'n' });
    if (input.n === 99) throw new Error('handler exploded');
    return { output: { doubled: input.n * 2, step: ctx.run.step, callId: ctx.callId }, metrics: { n: input.n } };
  },
}, 'doubler');
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const run = { workflowId: 'w', runId: 'r', pipeline: 'p', step: 'double', attempt: 1 };

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  return { status: response.status, json: (await response.json()) as { error: { message: string; issues: { path: string; message: string }[] } } & Record<string, unknown> };
}

test('a valid envelope runs the handler and answers {output, metrics}', async () => {
  const { status, json } = await post({ input: { n: 4 }, run }, { 'X-Call-Id': 'call-1' });
  assert.equal(status, 200);
  assert.deepEqual(json, { output: { doubled: 8, step: 'double', callId: 'call-1' }, metrics: { n: 4 } });
});

test('a malformed envelope is a 400 naming the field', async () => {
  const { status, json } = await post({ input: { n: 4 }, run: { ...run, attempt: 0 } });
  assert.equal(status, 400);
  assert.deepEqual(json.error.issues.map((issue: { path: string }) => issue.path), ['run.attempt']);
  assert.equal((await post('{not json')).status, 400);
});

test('input that fails the handler\'s schema or checks is a 422 with input paths', async () => {
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
