import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Runtime } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { buildStepCatalog } from '../../../activities/step-catalog.ts';
import { pipelines, steps as everyStep } from '../../../workflows/catalog.ts';
import { parsePrometheusText, samplesOf, valueOf } from '../../../test/support/prometheus-text.ts';
import { BatonMetrics } from './metrics.ts';
import { runMetricsSinks } from './run-metrics-sinks.ts';
import { apiMetrics, installWithWorkerMetrics, workerMetricsEndpoint } from './worker-metrics.ts';

const train = pipelines.find((pipeline) => pipeline.name === 'train-classifier')!;
const info = (workflowType: string) => ({ workflowType }) as WorkflowInfo;
const scrape = async (metrics: BatonMetrics) => parsePrometheusText(await metrics.render());

test('the sinks count runs and steps per pipeline and step, and a completed promote step as a promotion', async () => {
  const metrics = new BatonMetrics();
  const { batonMetrics: sink } = runMetricsSinks(metrics, pipelines, buildStepCatalog(everyStep, pipelines));
  const run = info(train.workflowType);
  sink.runStarted.fn(run);
  sink.runStarted.fn(run);
  sink.stepClosed.fn(run, 'train', 'completed', 42);
  sink.stepClosed.fn(run, 'promote-model', 'completed', 0.3);
  sink.stepClosed.fn(run, 'promote-model', 'failed', 0.3);
  sink.runClosed.fn(run, 'completed');
  sink.runClosed.fn(run, 'failed');
  const samples = await scrape(metrics);
  const pipeline = { pipeline: 'train-classifier' };
  assert.equal(valueOf(samples, 'baton_runs_started_total', pipeline), 2);
  assert.equal(valueOf(samples, 'baton_runs_completed_total', pipeline), 1);
  assert.equal(valueOf(samples, 'baton_runs_failed_total', pipeline), 1);
  const trained = { ...pipeline, step: 'train', outcome: 'completed' };
  assert.equal(valueOf(samples, 'baton_step_duration_seconds_count', trained), 1);
  assert.equal(valueOf(samples, 'baton_step_duration_seconds_sum', trained), 42);
  assert.equal(valueOf(samples, 'baton_step_duration_seconds_bucket', { ...trained, le: '30' }), 0);
  assert.equal(valueOf(samples, 'baton_step_duration_seconds_bucket', { ...trained, le: '60' }), 1);
  assert.equal(valueOf(samples, 'baton_promotions_total', { ...pipeline, source: 'run' }), 1);
});

test('workflow types and steps outside the catalog add no series', async () => {
  const metrics = new BatonMetrics();
  const { batonMetrics: sink } = runMetricsSinks(metrics, pipelines, buildStepCatalog(everyStep, pipelines));
  sink.runStarted.fn(info('someoneElsesWorkflow'));
  sink.runClosed.fn(info('someoneElsesWorkflow'), 'completed');
  sink.stepClosed.fn(info(train.workflowType), 'run-1234-made-up', 'completed', 1);
  const samples = await scrape(metrics);
  for (const name of ['baton_runs_started_total', 'baton_runs_completed_total', 'baton_step_duration_seconds_count'])
    assert.deepEqual(samplesOf(samples, name), [], name);
});

test('scaler decisions count by direction and leave the replicas asked for; API promotions have no pipeline', async () => {
  const metrics = new BatonMetrics();
  metrics.scalerDecision('baton', 1, 3);
  metrics.scalerDecision('baton', 3, 3);
  metrics.scalerDecision('train', 2, 1);
  apiMetrics(metrics, undefined).promotedByApi();
  const samples = await scrape(metrics);
  assert.equal(valueOf(samples, 'baton_scaler_decisions_total', { function: 'baton', direction: 'up' }), 1);
  assert.equal(valueOf(samples, 'baton_scaler_decisions_total', { function: 'baton', direction: 'none' }), 1);
  assert.equal(valueOf(samples, 'baton_scaler_decisions_total', { function: 'train', direction: 'down' }), 1);
  assert.equal(valueOf(samples, 'baton_scaler_desired_replicas', { function: 'baton' }), 3);
  assert.equal(valueOf(samples, 'baton_promotions_total', { pipeline: '', source: 'api' }), 1);
});

test("a scrape gives Baton's metrics then the worker exporter's, and still Baton's when the exporter is down", async () => {
  const exporter = createServer((_req, res) =>
    res.end('# TYPE temporal_worker_start_total counter\ntemporal_worker_start_total 2\n'),
  );
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`;
  const metrics = new BatonMetrics();
  metrics.runStarted('train-classifier');
  const endpoint = { url, exporter: { prometheus: { bindAddress: '127.0.0.1:0' } } };
  try {
    const samples = parsePrometheusText(await apiMetrics(metrics, endpoint).scrape());
    assert.equal(valueOf(samples, 'temporal_worker_start_total'), 2);
    assert.equal(valueOf(samples, 'baton_runs_started_total', { pipeline: 'train-classifier' }), 1);
  } finally {
    await new Promise((resolve) => exporter.close(resolve));
  }
  const text = await apiMetrics(metrics, endpoint).scrape();
  assert.match(text, /^# temporal worker metrics unavailable: /m);
  assert.equal(valueOf(parsePrometheusText(text), 'baton_runs_started_total', { pipeline: 'train-classifier' }), 1);
});

test("the worker's exporter on a port already taken stops start-up naming BATON_TEMPORAL_METRICS_PORT", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = await workerMetricsEndpoint((taken.address() as AddressInfo).port);
    assert.throws(
      () => installWithWorkerMetrics(endpoint, (metrics) => Runtime.install({ telemetryOptions: { metrics } })),
      /^Error: BATON_TEMPORAL_METRICS_PORT: .*Address already in use.*: set a free port, 0 for any free one, or off$/,
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
