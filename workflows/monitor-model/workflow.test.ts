import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPlannedStepsRan } from '../../test/support/declared-steps.ts';
import { fakeStepOutputs } from '../../test/support/fake-step-outputs.ts';
import { startWorkflowTestServer, type WorkflowTestServer } from '../../test/support/workflow-test-server.ts';
import type { InvokeFunctionRequest } from '../../activities/index.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { monitorModelPipeline } from './definition.ts';
import { driftRetrainingId } from './retraining.ts';
import type { MonitorModelResult } from './workflow.ts';

// monitor-model's workflow with a fake step on a real Temporal dev server.
const ref = (key: string) => ({ uri: `s3://baton-artifacts/${key}`, sha256: 'a'.repeat(64), size: 10 });
const parameters = { dataset: 'breast_cancer', modelName: 'demo', model: { type: 'logistic_regression', params: {} } };

/** monitor-model's answer: drift as given (value, detected), with the recorded retraining recipe. */
function watched(
  value: number | null,
  detected: boolean,
  retraining: unknown = { pipeline: 'train-classifier', parameters },
) {
  return {
    model: { name: 'demo', version: 'bbbbbbbbbbbb' },
    window: { start: '2026-12-06T06:00:00Z', end: '2026-12-07T06:00:00Z', hours: 24 },
    samples: 400,
    drift: {
      value,
      detected,
      features: detected ? ['b'] : [],
      reason: detected ? 'features b drifted' : 'no feature drifted',
    },
    accuracy: { live: 0.8, labeled: 400, holdout: 0.92 },
    retraining,
    summary: ref('monitoring/demo/20261207T060000Z/summary.json'),
    report: ref('monitoring/demo/20261207T060000Z/report.html'),
  };
}

/** Answers monitor-model with `answer`; the retraining's own steps (if it runs here) with the usual fake outputs. */
const steps =
  (answer: unknown, calls: InvokeFunctionRequest[] = []) =>
  async (call: InvokeFunctionRequest) => {
    calls.push(call);
    return { output: call.step === 'monitor-model' ? answer : fakeStepOutputs[call.step] };
  };

let server: WorkflowTestServer;
before(async () => {
  server = await startWorkflowTestServer();
});
after(async () => {
  await server?.stop();
});

/** Whether a drift retraining of model "demo" is running now (earlier tests' ones were terminated). */
async function retrainingRuns(): Promise<boolean> {
  const latest = await server.client.workflow
    .getHandle(driftRetrainingId('demo'))
    .describe()
    .catch(() => undefined);
  return latest?.status.name === 'RUNNING';
}

/** Ends the drift retraining of model "demo" if one is still open (each test starts from none). */
async function endRetraining(): Promise<void> {
  const handle = server.client.workflow.getHandle(driftRetrainingId('demo'));
  await handle.terminate('test over').catch(() => undefined);
}

test('no drift: the run records its figures as search attributes and starts nothing', async () => {
  const calls: InvokeFunctionRequest[] = [];
  const { result, error, description, stepCalls } = await server.run(
    monitorModelPipeline,
    { modelName: 'demo', windowHours: 6 },
    steps(watched(0.05, false), calls),
  );
  assert.equal(error, undefined, String(error));
  assertPlannedStepsRan(monitorModelPipeline, stepCalls);
  const input = calls[0]!.input as { modelName: string; windowHours: number; windowEnd: string; thresholds: unknown };
  assert.equal(input.modelName, 'demo');
  assert.equal(input.windowHours, 6);
  assert.ok(Math.abs(Date.parse(input.windowEnd) - Date.now()) < 60_000, "the window ends at the workflow's clock");
  assert.deepEqual(input.thresholds, { psi: 0.2, ksPValue: 0.01, minSamples: 100 }, 'documented defaults');
  const monitored = result as MonitorModelResult;
  assert.deepEqual(monitored.retraining, { started: false, reason: 'no drift: no feature drifted' });
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.drift), 0.05);
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.accuracy), 0.8);
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.modelVersion), 'bbbbbbbbbbbb');
  assert.equal(await retrainingRuns(), false, 'no retraining was started');
});

test("drift starts the model's training pipeline with its recorded parameters, tagged BatonTrigger = 'drift', and outlives the monitor", async () => {
  const memo = { startedBy: { id: 'key:aaaaaaaaaaaa', name: 'scheduler-key' } };
  const { result, error, description } = await server.run(
    monitorModelPipeline,
    { modelName: 'demo' },
    steps(watched(0.9, true)),
    {
      memo,
    },
  );
  assert.equal(error, undefined, String(error));
  const monitored = result as MonitorModelResult;
  assert.equal(monitored.retraining.started, true, JSON.stringify(monitored.retraining));
  assert.equal(monitored.retraining.workflowId, 'drift-retraining-demo');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.drift), 0.9);
  const child = await server.client.workflow.getHandle('drift-retraining-demo').describe();
  assert.equal(child.type, 'trainClassifier');
  assert.equal(child.typedSearchAttributes.get(batonSearchAttributes.trigger), 'drift');
  assert.equal(child.typedSearchAttributes.get(batonSearchAttributes.pipeline), 'train-classifier');
  assert.equal(child.parentExecution?.workflowId, description.workflowId);
  assert.deepEqual((child.memo as { startedBy?: unknown }).startedBy, memo.startedBy, "the monitor's starter");
  assert.equal((child.memo as { input: { modelName: string } }).input.modelName, 'demo', 'the recorded parameters');
  assert.equal(description.status.name, 'COMPLETED', 'the monitor does not wait for the training (ABANDON)');
  await endRetraining();
});

test('no second retraining while a drift-triggered one of the model runs', async () => {
  // A retraining with the derived id, on a queue no worker polls: it stays running.
  const running = await server.client.workflow.start('trainClassifier', {
    taskQueue: 'nobody-polls',
    workflowId: driftRetrainingId('demo'),
    args: [{}],
  });
  const calls: InvokeFunctionRequest[] = [];
  const { result, error } = await server.run(
    monitorModelPipeline,
    { modelName: 'demo' },
    steps(watched(0.9, true), calls),
  );
  assert.equal(error, undefined, String(error));
  assert.deepEqual((result as MonitorModelResult).retraining, {
    started: false,
    workflowId: 'drift-retraining-demo',
    reason: 'a drift-triggered retraining of demo is already running',
  });
  assert.equal((await running.describe()).runId, running.firstExecutionRunId, 'the running one is left alone');
  assert.deepEqual(
    calls.map((call) => call.step),
    ['monitor-model'],
  );
  await endRetraining();
});

test('drift with retrain false, or without recorded parameters, only reports', async () => {
  const reportOnly = await server.run(
    monitorModelPipeline,
    { modelName: 'demo', retrain: false },
    steps(watched(0.9, true)),
  );
  assert.deepEqual((reportOnly.result as MonitorModelResult).retraining, {
    started: false,
    reason: 'drift detected, but this run only reports (retrain: false)',
  });
  const unrecorded = await server.run(monitorModelPipeline, { modelName: 'demo' }, steps(watched(0.9, true, null)));
  assert.match(
    (unrecorded.result as { retraining: { reason: string } }).retraining.reason,
    /records no training parameters/,
  );
  const unfit = await server.run(
    monitorModelPipeline,
    { modelName: 'demo' },
    steps(watched(0.9, true, { pipeline: 'train-classifier', parameters: { dataset: 'no-such-dataset' } })),
  );
  assert.match(
    (unfit.result as { retraining: { reason: string } }).retraining.reason,
    /no longer fit pipeline train-classifier's input: dataset/,
  );
  assert.equal(await retrainingRuns(), false, 'none was started');
});
