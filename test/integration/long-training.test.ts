/**
 * Long, resumable trainings on the real stack, with real faults: a killed training replica, a killed
 * orchestrator, a restarted Temporal server, a killed MinIO and Temporal server (the stack starts them again), a lost callback, and forged or stale callbacks. Each run must
 * complete, resume from its last checkpoint instead of starting over, and register exactly one model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getRun, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import { sealAttemptRef } from '../../activities/attempt-ref.ts';
import { SIGNATURE_HEADER, deriveStepKey, signAnswer, signProgress } from '../../template/baton-node/step-signature.ts';
import type { RunView, StepView } from '../../functions/baton/api/run-view.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { startTestStack, stopTestStack, watchdogPids, type TestStack } from '../support/test-stack.ts';
import { startSwitchableProxy, type SwitchableProxy } from '../support/switchable-proxy.ts';

let stack: TestStack;
let proxy: SwitchableProxy;

before(async () => {
  // Long steps call the orchestrator back through a proxy the tests can take down.
  const gatewayPort = await allocatePort();
  proxy = await startSwitchableProxy(await allocatePort(), `http://127.0.0.1:${gatewayPort}/function/baton`);
  stack = await startTestStack({ ports: { gateway: gatewayPort }, functionEnv: { BATON_PUBLIC_URL: proxy.url } });
});
after(async () => {
  await proxy?.close();
  await stopTestStack(stack);
});

const trainingStep = (run: RunView): StepView | undefined => run.steps.find((step) => step.name === 'train-epochs');

async function startTraining(modelName: string, epochs: number, secondsPerEpoch = 1) {
  return triggerRun(stack, { pipeline: 'train-classifier-resumable', input: { epochs, secondsPerEpoch, modelName } });
}

/** Polls the run until its training step's progress passes `epoch`; answers that progress. */
async function waitForEpoch(runId: string, epoch: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const progress = await getRun(stack, runId).then(
      (run) => trainingStep(run)?.progress,
      () => undefined,
    );
    if ((progress?.epoch ?? -1) >= epoch) return progress!;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`run ${runId} never reached epoch ${epoch}`);
}

async function expectCompleted(runId: string): Promise<RunView> {
  const view = await waitForRun(stack, runId, { timeoutMs: 240_000 });
  assert.equal(view.status, 'completed', `${runId}: ${JSON.stringify(view.error ?? view.steps)}`);
  return view;
}

/** Exactly one registered model version under the run's model name, and only final artifacts of the training. */
async function expectOneModel(modelName: string, runId: string): Promise<void> {
  const minio = rootMinioClient(stack);
  const list = async (prefix: string) => {
    const names: string[] = [];
    for await (const item of minio.listObjectsV2('baton-artifacts', prefix, true))
      if (item.name) names.push(item.name.slice(prefix.length));
    return names.sort();
  };
  const models = (await list(`models/${modelName}/`)).map((name) => name.replace(/^[0-9a-f]{12}\//, '<version>/'));
  assert.deepEqual(
    models,
    ['<version>/model.json', '<version>/model.skops', '<version>/stage.json'],
    'one registered version',
  );
  const finals = (await list(`runs/${runId}/train-epochs/`)).filter((name) => !name.startsWith('checkpoints/'));
  assert.deepEqual(finals, ['curve.json', 'holdout.csv', 'model.skops']);
}

test('a SIGKILLed training replica: the run completes, resuming from the last checkpoint', async () => {
  const run = await startTraining('after-replica-kill', 10);
  const before = await waitForEpoch(run.runId, 3);
  const [victim] = await watchdogPids(stack, 'train-epochs');
  assert.ok(victim);
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');

  // The next attempt shows up with the epoch it resumed after.
  let resumed: StepView | undefined;
  while (!resumed?.progress?.resumedFromEpoch && Date.now() - killedAt < 60_000) {
    resumed = await getRun(stack, run.runId).then(trainingStep, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(`training resumed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL of the replica`);
  assert.ok((resumed?.attempt ?? 0) >= 2, `a second attempt runs: ${JSON.stringify(resumed)}`);
  // An epoch is reported, then checkpointed: a kill in between redoes that one epoch, never more.
  const resumedFrom = resumed?.progress?.resumedFromEpoch ?? -1;
  assert.ok(
    resumedFrom >= before.epoch! - 1 && resumedFrom >= 2,
    `resumed from epoch ${resumedFrom}, last seen ${before.epoch}: at most one epoch is redone`,
  );

  const view = await expectCompleted(run.runId);
  assert.equal(trainingStep(view)?.metrics?.resumedFromEpoch, resumedFrom);
  await expectOneModel('after-replica-kill', run.runId);
});

test('a SIGKILLed orchestrator: the run completes once it is back', async () => {
  const run = await startTraining('after-worker-kill', 8);
  await waitForEpoch(run.runId, 2);
  for (const pid of await watchdogPids(stack, 'baton')) process.kill(pid, 'SIGKILL');
  await expectCompleted(run.runId);
  await expectOneModel('after-worker-kill', run.runId);
});

test('a restarted Temporal server (same SQLite file): the run completes', async () => {
  const run = await startTraining('after-temporal-restart', 8);
  await waitForEpoch(run.runId, 2);
  await stack.restartTemporal();
  await expectCompleted(run.runId);
  await expectOneModel('after-temporal-restart', run.runId);
});

for (const server of ['minio', 'temporal'] as const) {
  test(`a SIGKILLed ${server} server: the stack starts it again (same port and data) and the run completes`, async () => {
    const modelName = `after-${server}-kill`;
    const run = await startTraining(modelName, 8);
    await waitForEpoch(run.runId, 2);
    const killed = stack[server].process.child.pid!;
    process.kill(killed, 'SIGKILL');
    await expectCompleted(run.runId);
    assert.notEqual(stack[server].process.child.pid, killed, `a new ${server} process serves`);
    await expectOneModel(modelName, run.runId);
  });
}

test('a lost callback: the heartbeat timeout retries, resuming from the checkpoint, and the run completes', async () => {
  const epochs = 5;
  const run = await startTraining('after-lost-callback', epochs);
  await waitForEpoch(run.runId, epochs - 1);
  await proxy.down();
  // The last epoch ends and its answer is POSTed to a callback endpoint that refuses connections: lost.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await proxy.up();
  const view = await expectCompleted(run.runId);
  const step = trainingStep(view)!;
  assert.ok(step.attempt >= 2, `attempt ${step.attempt}: the lost answer was replaced by a retry`);
  assert.ok(
    (step.metrics?.resumedFromEpoch ?? -1) >= epochs - 1,
    `resumed from epoch ${step.metrics?.resumedFromEpoch}`,
  );
  await expectOneModel('after-lost-callback', run.runId);
});

test('forged and stale callbacks and progress reports are refused and change nothing', async () => {
  const run = await startTraining('callback-guard', 3);
  await waitForEpoch(run.runId, 1);
  const api = `${stack.gatewayUrl}/function/baton`;
  const post = (path: string, body: unknown, status = '200', signature?: string) =>
    fetch(`${api}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Function-Status': status,
        'X-Function-Name': 'train-epochs',
        ...(signature && { [SIGNATURE_HEADER]: signature }),
      },
      body: JSON.stringify(body),
    });
  const forgedOutput = { output: { forged: true } };
  assert.equal((await post('/callbacks/not-a-ref', forgedOutput)).status, 401);
  assert.equal((await post('/progress/not-a-ref', { fraction: 1 })).status, 401);
  const attempt = {
    workflowId: run.runId,
    runId: 'x',
    activityId: 'train-epochs',
    step: 'train-epochs',
    fn: 'train-epochs',
    attempt: 1,
    taskToken: new Uint8Array([1, 2, 3]),
  };
  assert.equal(
    (await post(`/callbacks/${sealAttemptRef(attempt, 'not-the-key-0123456789abcdef0123456789')}`, forgedOutput))
      .status,
    401,
  );
  // A reference the orchestrator could have issued (they show up in gateway logs) is not enough: unsigned → 401.
  const ref = sealAttemptRef(attempt, stack.secrets.callbackKey);
  assert.equal((await post(`/callbacks/${ref}`, forgedOutput)).status, 401);
  assert.equal(
    (await post(`/callbacks/${ref}`, { error: { message: 'no replica' } }, '503')).status,
    401,
    'nor can a made-up failure retry the attempt',
  );
  assert.equal((await post(`/progress/${ref}`, { fraction: 1 })).status, 401);
  // Signed with the function's key too, but for an attempt Temporal does not know (a stale or made-up task token).
  const fnKey = deriveStepKey(stack.secrets.signingKey, 'train-epochs');
  const runOf = {
    workflowId: attempt.workflowId,
    runId: attempt.runId,
    step: attempt.activityId,
    attempt: attempt.attempt,
  };
  const expires = Math.ceil(Date.now() / 1000) + 60;
  const answer = signAnswer(
    { fn: 'train-epochs', run: runOf, status: 200, expires },
    JSON.stringify(forgedOutput),
    fnKey,
  );
  assert.equal((await post(`/callbacks/${ref}`, forgedOutput, '200', answer)).status, 409);
  const report = signProgress({ fn: 'train-epochs', run: runOf, expires }, JSON.stringify({ fraction: 1 }), fnKey);
  assert.equal((await post(`/progress/${ref}`, { fraction: 1 }, '200', report)).status, 409);

  const view = await expectCompleted(run.runId);
  assert.equal(trainingStep(view)?.attempt, 1, 'the guarded run was not disturbed');
  await expectOneModel('callback-guard', run.runId);
});
