import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ActivityCancelledError, ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { signAttemptToken } from '../../../activities/callback-token.ts';
import { defineStep } from '../../../workflows/step-definition.ts';
import { callbacksRoutes } from './callbacks-routes.ts';
import { answerError } from './http-error.ts';

const key = 'test-key';
const step = defineStep({ name: 'long', function: 'long-fn', description: '', input: z.object({}), output: z.object({ epochs: z.number() }), preset: 'longTraining', mode: 'async' });
const token = signAttemptToken({ workflowId: 'w', runId: 'r', activityId: 'long', step: 'long', attempt: 2, taskToken: new Uint8Array([9, 9]) }, key);

/** The routes over a fake async-completion client that records calls and can throw what Temporal would. */
function setUp(throwing?: Error) {
  const calls: [string, unknown][] = [];
  const record = (name: string) => async (_token: Uint8Array, value?: unknown) => {
    calls.push([name, value]);
    if (throwing) throw throwing;
  };
  const client = { activity: { complete: record('complete'), fail: record('fail'), reportCancellation: record('reportCancellation'), heartbeat: record('heartbeat') } } as unknown as Client;
  const app = callbacksRoutes({ client, steps: new Map([['long', step]]), callbackKey: key }).onError(answerError);
  const post = (path: string, body: unknown, status = '200') => app.request(path, {
    method: 'POST', headers: { 'content-type': 'application/json', 'X-Function-Status': status, 'X-Function-Name': 'long-fn' }, body: JSON.stringify(body),
  });
  return { calls, post };
}

test('a valid callback completes the attempt with the checked answer', async () => {
  const { calls, post } = setUp();
  const response = await post(`/callbacks/${token}`, { output: { epochs: 3 }, metrics: { loss: 0.1 } });
  assert.equal(response.status, 200);
  assert.deepEqual(calls, [['complete', { output: { epochs: 3 }, metrics: { loss: 0.1 } }]]);
});

test('an output that breaks the schema fails the attempt for good, naming the field', async () => {
  const { calls, post } = setUp();
  await post(`/callbacks/${token}`, { output: { epochs: 'three' } });
  const [[name, failure]] = calls as [[string, ApplicationFailure]];
  assert.equal(name, 'fail');
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, /function "long-fn" returned an invalid output for step "long": output\.epochs/);
});

test('a failed function fails the attempt as classified; a cancelled one reports cancellation', async () => {
  const unavailable = setUp();
  await unavailable.post(`/callbacks/${token}`, { error: { message: 'boom' } }, '503');
  assert.equal((unavailable.calls[0]![1] as ApplicationFailure).nonRetryable, false);
  const cancelled = setUp();
  await cancelled.post(`/callbacks/${token}`, { error: { message: 'stopped', type: 'Cancelled' } }, '409');
  assert.deepEqual(cancelled.calls.map(([name]) => name), ['reportCancellation']);
});

test('forged tokens get 401, unknown attempts 409, and nothing reaches Temporal', async () => {
  const { calls, post } = setUp();
  assert.equal((await post('/callbacks/forged', { output: { epochs: 1 } })).status, 401);
  assert.equal((await post(`/callbacks/${token}x`, { output: { epochs: 1 } })).status, 401);
  assert.equal((await post('/progress/forged', { fraction: 0.5 })).status, 401);
  assert.deepEqual(calls, []);
  const stale = setUp(new ActivityNotFoundError('Not found'));
  assert.equal((await stale.post(`/callbacks/${token}`, { output: { epochs: 1 } })).status, 409);
  assert.equal((await stale.post(`/progress/${token}`, { fraction: 0.5 })).status, 409);
});

test('progress is recorded as heartbeat details; a cancelled attempt is told to stop', async () => {
  const { calls, post } = setUp();
  const report = { fraction: 0.5, epoch: 5, metrics: { loss: 0.2 } };
  const response = await post(`/progress/${token}`, report);
  assert.deepEqual(await response.json(), { cancelRequested: false });
  assert.deepEqual(calls, [['heartbeat', report]]);
  const cancelled = setUp(new ActivityCancelledError('cancelled'));
  assert.deepEqual(await (await cancelled.post(`/progress/${token}`, report)).json(), { cancelRequested: true });
  assert.equal((await post(`/progress/${token}`, { fraction: 2 })).status, 400);
});
