/**
 * Metrics on the real local stack: one run of the demo pipeline, then the gateway's Prometheus endpoint (the
 * OpenFaaS gateway's names, on its own listener, no credentials) and the orchestrator's `GET /metrics` (a viewer's
 * credential; Baton's metrics and the Temporal worker's) are scraped, and their counts checked against the run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../support/prometheus-text.ts';
import { bearer, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stopTestStack(stack));

const PIPELINE = 'train-classifier';
const STEPS = ['ingest', 'validate-dataset', 'train', 'evaluate', 'register-model', 'promote-model', 'report'];

async function scrapeGateway(): Promise<Sample[]> {
  const response = await fetch(`${stack.gateway.metricsUrl}/metrics`);
  assert.equal(response.status, 200);
  return parsePrometheusText(await response.text());
}

async function scrapeOrchestrator(): Promise<Sample[]> {
  const response = await fetch(`${stack.gatewayUrl}/function/baton/metrics`, { headers: bearer(stack) });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return parsePrometheusText(await response.text());
}

/** Counter values by label set default to 0: a series appears with its first increment. */
const count = (samples: Sample[], name: string, labels: Record<string, string>) => valueOf(samples, name, labels) ?? 0;

test('after one run, both endpoints count it: a call per step function, the run, its steps, the worker', async () => {
  const gatewayBefore = await scrapeGateway();
  const orchestratorBefore = await scrapeOrchestrator();

  const run = await triggerRun(stack, { pipeline: PIPELINE, input: {} });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const functions = view.steps.map((step) => step.function);
  assert.deepEqual(functions, STEPS); // each step here calls the function of its name

  // The gateway: one successful call per step function, named as the OpenFaaS gateway names them.
  const gateway = await scrapeGateway();
  for (const fn of functions) {
    const labels = { function_name: `${fn}.openfaas-fn`, code: '200' };
    const calls = (samples: Sample[]) => count(samples, 'gateway_function_invocation_total', labels);
    assert.equal(calls(gateway) - calls(gatewayBefore), 1, `calls to ${fn}`);
    const timed = (samples: Sample[]) => count(samples, 'gateway_functions_seconds_count', labels);
    assert.equal(timed(gateway) - timed(gatewayBefore), 1, `timed calls to ${fn}`);
  }
  assert.ok(count(gateway, 'gateway_service_count', { function_name: 'baton.openfaas-fn' }) >= 1);
  assert.ok(
    count(gateway, 'gateway_function_invocation_total', { function_name: 'baton.openfaas-fn', code: '200' }) > 0,
    'the trigger API is a function too',
  );

  // The orchestrator: the run closes on the worker just before Temporal reports it, so wait for the count.
  const pipeline = { pipeline: PIPELINE };
  const orchestrator = await waitUntil(async () => {
    const samples = await scrapeOrchestrator();
    return count(samples, 'baton_runs_completed_total', pipeline) >
      count(orchestratorBefore, 'baton_runs_completed_total', pipeline)
      ? samples
      : undefined;
  }, 30_000);
  const delta = (name: string, labels: Record<string, string>) =>
    count(orchestrator, name, labels) - count(orchestratorBefore, name, labels);
  assert.equal(delta('baton_runs_started_total', pipeline), 1);
  assert.equal(delta('baton_runs_completed_total', pipeline), 1);
  assert.equal(delta('baton_runs_failed_total', pipeline), 0);
  for (const step of STEPS)
    assert.equal(
      delta('baton_step_duration_seconds_count', { ...pipeline, step, outcome: 'completed' }),
      1,
      `step ${step}`,
    );
  assert.equal(delta('baton_promotions_total', { ...pipeline, source: 'run' }), 1);
  for (const sample of samplesOf(orchestrator, 'baton_runs_started_total'))
    assert.deepEqual(Object.keys(sample.labels), ['pipeline'], 'no run id among the labels');

  // The Temporal SDK's worker metrics, from the runtime's Prometheus exporter, in the same scrape.
  const workerStarts = samplesOf(orchestrator, 'temporal_worker_start_total');
  assert.ok(workerStarts.length > 0, 'temporal_worker_start_total');
  const workflowType = samplesOf(orchestrator, 'temporal_workflow_completed_total').map(
    (sample) => sample.labels.workflow_type,
  );
  assert.ok(workflowType.includes('trainClassifier'), `workflow types completed: ${workflowType.join(', ')}`);
});

test("the orchestrator's /metrics wants a credential; the gateway's is on its own port, without one", async () => {
  const anonymous = await fetch(`${stack.gatewayUrl}/function/baton/metrics`);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const onMainPort = await fetch(`${stack.gatewayUrl}/metrics`);
  assert.equal(onMainPort.status, 404);
  await onMainPort.body?.cancel();
  assert.notEqual(stack.gateway.metricsUrl, stack.gatewayUrl);
  assert.ok((await scrapeGateway()).length > 0);
});
