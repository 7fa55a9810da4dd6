/**
 * The spine, end to end on the real local stack: Temporal dev server, MinIO, the gateway and every
 * function as real watchdog replicas, the orchestrator triggered over HTTP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getRun, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { bearer, startTestStack, stopTestStack, watchdogPids, type TestStack } from '../support/test-stack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stopTestStack(stack));

const JSON_TYPE = { 'content-type': 'application/json' };
const api = () => `${stack.gatewayUrl}/function/baton`;

test('the demo pipeline completes through the HTTP trigger, one activity per step (and the policy read)', async () => {
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  assert.match(run.links.temporalUi ?? '', /\/namespaces\/default\/workflows\//);
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.deepEqual(
    view.steps.map((step) => [step.name, step.function, step.status]),
    [
      ['ingest', 'ingest', 'completed'],
      ['validate-dataset', 'validate-dataset', 'completed'],
      ['train', 'train', 'completed'],
      ['evaluate', 'evaluate', 'completed'],
      ['register-model', 'register-model', 'completed'],
      ['promote-model', 'promote-model', 'completed'],
      ['report', 'report', 'completed'],
    ],
  );
  assert.ok(view.steps.every((step) => step.attempt === 1 && (step.durationMs ?? -1) >= 0));
  const result = view.result as { metrics: { accuracy: number }; model: { uri: string; version: string } };
  assert.ok(result.metrics.accuracy > 0.9, `accuracy ${result.metrics.accuracy}`);
  assert.match(
    result.model.uri,
    new RegExp(`^s3://baton-artifacts/models/classifier/${result.model.version}/model.skops$`),
  );

  const { client, connection } = await connectTemporal(stack);
  try {
    const history = await client.workflow.getHandle(run.runId).fetchHistory();
    const activities = (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes ?? []);
    // One activity per step, plus the read of the model's promotion policy before promoting.
    assert.deepEqual(
      activities.map((scheduled) => scheduled.activityId),
      [
        'ingest',
        'validate-dataset',
        'train',
        'evaluate',
        'register-model',
        'read-model-policy',
        'promote-model',
        'report',
      ],
    );
  } finally {
    await connection.close();
  }
});

test('the trigger answers 400 naming the field, and 404 listing the known pipelines', async () => {
  const bad = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack) },
    body: JSON.stringify({ pipeline: 'train-classifier', input: { split: { testSize: 2 } } }),
  });
  assert.equal(bad.status, 400);
  const badBody = (await bad.json()) as { error: { issues: { path: string }[] } };
  assert.deepEqual(
    badBody.error.issues.map((issue) => issue.path),
    ['input.split.testSize'],
  );

  const unknown = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack) },
    body: JSON.stringify({ pipeline: 'nope' }),
  });
  assert.equal(unknown.status, 404);
  assert.match(
    ((await unknown.json()) as { error: { message: string } }).error.message,
    /known pipelines: train-classifier/,
  );
});

test('through the gateway: a body over 1 MiB is 413, a body that is not JSON 415, a page of another origin 403', async () => {
  const runId = `refused-${Date.now()}`;
  const body = (input: object) => JSON.stringify({ pipeline: 'train-classifier', input, runId });
  const huge = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack) },
    body: body({ pad: 'x'.repeat(2 * 1024 * 1024) }),
  });
  assert.equal(huge.status, 413);
  const text = await fetch(`${api()}/runs`, { method: 'POST', headers: bearer(stack), body: body({}) });
  assert.equal(text.status, 415);
  const forged = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack), origin: 'https://evil.example.net' },
    body: body({}),
  });
  assert.equal(forged.status, 403);
  assert.equal(
    (await fetch(`${api()}/runs/${runId}`, { headers: bearer(stack) })).status,
    404,
    'no refused request started a run',
  );
});

test('a repeated runId returns the same run, never a second one', async () => {
  const runId = `same-${Date.now()}`;
  const first = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack) },
    body: JSON.stringify({ pipeline: 'flaky-step', input: { failures: 0 }, runId }),
  });
  assert.equal(first.status, 202);
  const second = await fetch(`${api()}/runs`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...bearer(stack) },
    body: JSON.stringify({ pipeline: 'flaky-step', input: { failures: 0 }, runId }),
  });
  assert.equal(second.status, 200);
  assert.equal(((await second.json()) as { runId: string }).runId, runId);
  const view = await waitForRun(stack, runId, { timeoutMs: 60_000 });
  assert.equal(view.status, 'completed');
  assert.deepEqual(view.result, { calls: 1 }, 'the step ran once: no second run was started');
});

test('a step that answers 503 twice is retried and the run completes', async () => {
  const run = await triggerRun(stack, { pipeline: 'flaky-step', input: { failures: 2 } });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 60_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.deepEqual(view.result, { calls: 3 });
  assert.equal(view.steps[0]?.attempt, 3);
});

test('a step whose output breaks its schema fails the run naming the function and the field', async () => {
  const run = await triggerRun(stack, { pipeline: 'bad-output', input: {} });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 60_000 });
  assert.equal(view.status, 'failed');
  assert.match(
    view.error?.message ?? '',
    /function "bad-output" returned an invalid output for step "bad-output": output\.dataset\.rows/,
  );
  assert.equal(view.steps[0]?.attempt, 1, 'an invalid output is not retried');
});

test('a killed function replica is restarted and the run still completes', async () => {
  const [victim] = await watchdogPids(stack, 'train');
  assert.ok(victim, 'a train replica runs');
  process.kill(victim, 'SIGKILL');
  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: { dataset: 'iris', modelName: 'iris-after-kill' },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const [replacement] = await watchdogPids(stack, 'train');
  assert.ok(replacement && replacement !== victim, 'a new train replica runs');
  assert.equal((await getRun(stack, run.runId)).status, 'completed');
});

test('cancelling a run stops its running step and the run ends cancelled', async () => {
  const run = await triggerRun(stack, { pipeline: 'slow-step', input: { seconds: 60 } });
  await waitForStep(run.runId, 'slow', 'running');
  const cancel = await fetch(`${api()}/runs/${run.runId}/cancel`, { method: 'POST', headers: bearer(stack) });
  assert.equal(cancel.status, 202);
  const view = await waitForRun(stack, run.runId, { timeoutMs: 30_000 });
  assert.equal(view.status, 'cancelled');
  assert.equal(view.steps[0]?.status, 'cancelled');
  const again = await fetch(`${api()}/runs/${run.runId}/cancel`, { method: 'POST', headers: bearer(stack) });
  assert.equal(again.status, 409, 'a closed run cannot be cancelled again');
});

async function waitForStep(runId: string, step: string, status: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await getRun(stack, runId)).steps.find((s) => s.name === step)?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`step ${step} of ${runId} never became ${status}`);
}
