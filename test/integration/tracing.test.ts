/**
 * Tracing end to end on the real local stack: one run of train-classifier (Python and TypeScript steps, real
 * MinIO, Temporal, gateway and watchdogs) gives ONE trace, received over OTLP/HTTP by a receiver this test starts:
 * trigger API → StartWorkflow → RunWorkflow → StartActivity → RunActivity → call <function> → step <name> → S3.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

let receiver: OtlpReceiver;
let stack: TestStack;
before(async () => {
  receiver = await startOtlpReceiver();
  // Every function's replicas and the orchestrator's: the standard variables, a short export delay.
  stack = await startTestStack({
    functionEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
});
after(async () => {
  await stopTestStack(stack);
  await receiver?.close();
});

const STEPS = [
  ['ingest', 'ingest'],
  ['validate-dataset', 'validate-dataset'],
  ['train', 'train'],
  ['evaluate', 'evaluate'],
  ['register-model', 'register-model'],
  ['promote-model', 'promote-model'],
  ['report', 'report'],
] as const;

test('one run is one trace: a span per step and per function call, each under the one that caused it', async () => {
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 240_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));

  const ofRun = (s: ReceivedSpan) => s.attributes['baton.run.id'] === run.runId;
  const steps = new Map<string, ReceivedSpan>();
  for (const [name] of STEPS)
    steps.set(name, await receiver.waitForSpan(`step ${name}`, (s) => s.name === `step ${name}` && ofRun(s)));
  const traceId = steps.get('ingest')!.traceId;
  // The workflow's span ends with the run; the trigger API's span is the root.
  const workflow = await receiver.waitForSpan(
    'RunWorkflow',
    (s) => s.traceId === traceId && s.name.startsWith('RunWorkflow:'),
  );
  const trace = receiver.spans.filter((s) => s.traceId === traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan, what: string) => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    assert.ok(parent, `${what} (${span.name}) has no parent in the trace`);
    return parent;
  };

  const start = parentOf(workflow, 'the workflow span');
  assert.match(start.name, /^StartWorkflow:/);
  const trigger = parentOf(start, 'StartWorkflow');
  assert.equal(trigger.name, 'trigger API POST');
  assert.equal(trigger.parentSpanId, undefined, 'the trigger request starts the trace');
  assert.equal(trigger.service, 'baton');

  for (const [name, fn] of STEPS) {
    const step = steps.get(name)!;
    assert.equal(step.traceId, traceId, `step ${name} is in the run's trace`);
    assert.equal(step.service, fn);
    assert.equal(step.attributes['faas.name'], fn);
    assert.equal(step.attributes['baton.attempt'], 1);
    assert.equal(step.attributes['baton.step'], name);
    const call = parentOf(step, `step ${name}`);
    assert.equal(call.name, `call ${fn}`);
    assert.equal(call.service, 'baton');
    const activity = parentOf(call, `call ${fn}`);
    assert.equal(activity.name, 'RunActivity:invokeFunction');
    const scheduled = parentOf(activity, `RunActivity of ${name}`);
    assert.equal(scheduled.name, 'StartActivity:invokeFunction');
    assert.equal(parentOf(scheduled, `StartActivity of ${name}`).spanId, workflow.spanId);
  }
  // One call span per function call: seven steps, each called once.
  assert.equal(trace.filter((s) => s.name.startsWith('call ')).length, STEPS.length);

  // S3 calls are children of the step that made them, in both templates.
  for (const [name, template] of [
    ['ingest', 'Python'],
    ['register-model', 'TypeScript'],
  ] as const) {
    const step = steps.get(name)!;
    const s3 = trace.filter((s) => s.parentSpanId === step.spanId && s.name.startsWith('S3.'));
    assert.ok(s3.length > 0, `${template} step ${name} has S3 child spans`);
    assert.ok(s3.some((s) => s.name === 'S3.PutObject' && String(s.attributes['aws.s3.key']).length > 0));
  }
  assert.deepEqual(receiver.rejected, []);
});

test('no secret of the stack appears in any span', async () => {
  const dir = join(stack.dataDir, 'secrets');
  const values: string[] = [];
  for (const name of await readdir(dir)) {
    const value = (await readFile(join(dir, name), 'utf8').catch(() => '')).trim();
    if (value.length >= 8) values.push(value);
  }
  assert.ok(values.length > 0);
  const spans = JSON.stringify(receiver.spans);
  for (const value of values) assert.ok(!spans.includes(value), 'a secret value is in a span');
});
