import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepErrorType } from '#baton-contract';
import { z } from 'zod';
import { ActivityCancelledError, ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { deriveStepKey, signAnswer, signProgress, SIGNATURE_HEADER } from '#baton-signature';
import { sealAttemptRef } from '../../../activities/attempt-ref.ts';
import { defineStep } from '../../../workflows/step-definition.ts';
import { callbacksRoutes } from './callbacks-routes.ts';
import { answerError } from './trigger-api-error.ts';

const key = 'test-key';
const signingKey = 'orchestrator-signing-key-0123456789abcdef';
const step = defineStep({
  name: 'long',
  function: 'long-fn',
  description: '',
  input: z.object({}),
  output: z.object({ epochs: z.number() }),
  preset: 'longTraining',
  mode: 'async',
});
const run = { workflowId: 'w', runId: 'r', step: 'long', attempt: 2 };
const token = sealAttemptRef(
  {
    workflowId: 'w',
    runId: 'r',
    activityId: 'long',
    step: 'long',
    fn: 'long-fn',
    attempt: 2,
    taskToken: new Uint8Array([9, 9]),
  },
  key,
);
const expires = () => Math.ceil(Date.now() / 1000) + 60;

/** The signature long-fn puts on its answer (callbacks) or report (progress), as the templates make it. */
function signed(path: string, body: string, status: number, fnKey = deriveStepKey(signingKey, 'long-fn')): string {
  return path.startsWith('/progress/')
    ? signProgress({ fn: 'long-fn', run, expires: expires() }, body, fnKey)
    : signAnswer({ fn: 'long-fn', run, status, expires: expires() }, body, fnKey);
}

/** The routes over a fake async-completion client that records calls and can throw what Temporal would. */
function setUp(throwing?: Error) {
  const calls: [string, unknown][] = [];
  const record = (name: string) => async (_token: Uint8Array, value?: unknown) => {
    calls.push([name, value]);
    if (throwing) throw throwing;
  };
  const client = {
    activity: {
      complete: record('complete'),
      fail: record('fail'),
      reportCancellation: record('reportCancellation'),
      heartbeat: record('heartbeat'),
    },
  } as unknown as Client;
  const app = callbacksRoutes({ client, steps: new Map([['long', step]]), callbackKey: key, signingKey }).onError(
    answerError,
  );
  /** POSTs as the gateway does (`signature` undefined: signed by long-fn; null: not signed). */
  const post = (path: string, body: unknown, status = '200', signature?: string | null) => {
    const text = JSON.stringify(body);
    const sig = signature === undefined ? signed(path, text, Number(status)) : signature;
    return app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Function-Status': status,
        'X-Function-Name': 'long-fn',
        ...(sig !== null && { [SIGNATURE_HEADER]: sig }),
      },
      body: text,
    });
  };
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
  await cancelled.post(`/callbacks/${token}`, { error: { message: 'stopped', type: StepErrorType.Cancelled } }, '409');
  assert.deepEqual(
    cancelled.calls.map(([name]) => name),
    ['reportCancellation'],
  );
});

test('references the orchestrator did not seal get 401, unknown attempts 409, and nothing reaches Temporal', async () => {
  const { calls, post } = setUp();
  assert.equal((await post('/callbacks/forged', { output: { epochs: 1 } })).status, 401);
  assert.equal((await post(`/callbacks/${token}x`, { output: { epochs: 1 } })).status, 401);
  assert.equal((await post('/progress/forged', { fraction: 0.5 })).status, 401);
  const otherKey = sealAttemptRef(
    {
      workflowId: 'w',
      runId: 'r',
      activityId: 'long',
      step: 'long',
      fn: 'long-fn',
      attempt: 2,
      taskToken: new Uint8Array([9, 9]),
    },
    'another-key',
  );
  assert.equal((await post(`/callbacks/${otherKey}`, { output: { epochs: 1 } })).status, 401);
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

test("the reference alone changes nothing: an answer or report without the function's signature gets 401", async () => {
  const { calls, post } = setUp();
  const body = { output: { epochs: 1 } };
  const text = JSON.stringify(body);
  const refused = async (path: string, payload: unknown, status: string, signature: string | null, why: RegExp) => {
    const response = await post(path, payload, status, signature);
    assert.equal(response.status, 401, `${path} ${status}`);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, why);
  };
  // What a gateway sends when the call never reached the function: no signature at all.
  await refused(
    `/callbacks/${token}`,
    { error: { message: 'no replica' } },
    '503',
    null,
    /missing X-Baton-Signature header: only long-fn may send this answer/,
  );
  await refused(`/callbacks/${token}`, body, '200', null, /missing X-Baton-Signature/);
  await refused(
    `/progress/${token}`,
    { fraction: 1 },
    '200',
    null,
    /missing X-Baton-Signature header: only long-fn may send this progress report/,
  );
  // Signed with another function's key, for another status, over another body, or as the other kind of message.
  await refused(
    `/callbacks/${token}`,
    body,
    '200',
    signed(`/callbacks/${token}`, text, 200, deriveStepKey(signingKey, 'other-fn')),
    /not signed for long-fn/,
  );
  await refused(`/callbacks/${token}`, body, '200', signed(`/callbacks/${token}`, text, 500), /does not match/);
  await refused(
    `/callbacks/${token}`,
    body,
    '200',
    signed(`/callbacks/${token}`, JSON.stringify({ output: { epochs: 2 } }), 200),
    /does not match/,
  );
  await refused(`/callbacks/${token}`, body, '200', signed(`/progress/${token}`, text, 200), /does not match/);
  await refused(
    `/progress/${token}`,
    { fraction: 1 },
    '200',
    signed(`/callbacks/${token}`, JSON.stringify({ fraction: 1 }), 200),
    /does not match/,
  );
  // Another attempt's signature does not hold for this one.
  const attempt3 = signAnswer(
    { fn: 'long-fn', run: { ...run, attempt: 3 }, status: 200, expires: expires() },
    text,
    deriveStepKey(signingKey, 'long-fn'),
  );
  await refused(`/callbacks/${token}`, body, '200', attempt3, /does not match/);
  assert.deepEqual(calls, []);
});
