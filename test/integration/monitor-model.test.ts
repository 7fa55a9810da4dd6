/**
 * Issue 14 (item 5, and its scenario in item 6) on the real stack: an iris model trained from a CSV over HTTP is in
 * production; predict answers requests as callers send them and logs them, and the true labels come back through
 * predict's feedback route. Unshifted inputs: monitor-model
 * reports no drift and starts nothing. Then the world changes (petal lengths grow, in the live inputs and in the
 * CSV): monitor-model reports drift on petal_length, starts the retraining with BatonTrigger = 'drift' on the latest
 * data, the model's rules promote it, and predict serves the new version. GET /models/{name}/monitoring shows both.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client as MinioClient } from 'minio';
import { createKey } from '../../cli/api/keys-client.ts';
import { getModelMonitoring, setModelPolicy } from '../../cli/api/models-client.ts';
import { getRun, listRuns, predict, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { startDataServer, type DataServer } from '../support/data-server.ts';
import { irisCsv } from '../support/iris.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const MODEL = 'iris-monitor';
const BUCKET = 'baton-artifacts';
const source = { kind: 'csv', name: 'iris-monitor', path: 'iris.csv', target: 'species' };

let stack: TestStack;
let data: DataServer;
let minio: MinioClient;
let reader: { gatewayUrl: string; token: string };

before(async () => {
  data = await startDataServer({ files: { 'iris.csv': irisCsv() } });
  stack = await startTestStack({ functionEnv: { RESOURCE_BASE_URL: data.url, RESOURCE_ALLOWED_HOSTS: data.host } });
  reader = { gatewayUrl: stack.gatewayUrl, token: (await createKey(stack, 'reader', ['viewer'])).key };
  minio = rootMinioClient(stack);
});
after(async () => {
  await stopTestStack(stack);
  await data?.close();
});

/** The iris rows and labels; `shift` added to petal_length (the third feature). */
function irisRows(shift = 0): { rows: number[][]; labels: string[] } {
  const [, ...lines] = irisCsv().trimEnd().split('\n');
  const cells = lines.map((line) => line.split(','));
  return {
    rows: cells.map((cell) => cell.slice(0, 4).map((value, index) => Number(value) + (index === 2 ? shift : 0))),
    labels: cells.map((cell) => cell[4]!),
  };
}

/** The CSV with petal_length shifted: the "latest data" a retraining reads. */
function shiftedCsv(shift: number): string {
  const [header, ...lines] = irisCsv().trimEnd().split('\n');
  const shifted = lines.map((line) => {
    const cells = line.split(',');
    cells[2] = String(Number(cells[2]) + shift);
    return cells.join(',');
  });
  return `${[header, ...shifted].join('\n')}\n`;
}

/** How many lines are stored under `prefix` (the inference log or its feedback, of MODEL). */
async function storedLines(prefix: string): Promise<number> {
  let lines = 0;
  for await (const item of minio.listObjectsV2(BUCKET, `${prefix}/${MODEL}/`, true)) {
    if (!item.name) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject(BUCKET, item.name)) chunks.push(chunk as Buffer);
    lines += Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).length;
  }
  return lines;
}

async function call(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.gatewayUrl}/function/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Sends the rows to predict as callers do, ten per request, and the true labels as feedback on each request id;
 * waits until predict's inference log (flushed every few seconds, off the request path) holds them all.
 */
async function serve(rows: number[][], labels: string[]): Promise<string> {
  const logged = await storedLines('inference-log');
  const labelled = await storedLines('inference-feedback');
  let version = '';
  for (let start = 0; start < rows.length; start += 10) {
    const answer = await call('predict', { input: { model: MODEL, rows: rows.slice(start, start + 10) } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const output = (answer.body as { output: { requestId: string; model: { version: string } } }).output;
    version = output.model.version;
    const feedback = await call('predict/feedback', {
      model: MODEL,
      requestId: output.requestId,
      labels: labels.slice(start, start + 10),
    });
    assert.equal(feedback.status, 202, JSON.stringify(feedback.body));
  }
  const requests = Math.ceil(rows.length / 10);
  const deadline = Date.now() + 60_000;
  while (
    (await storedLines('inference-log')) < logged + requests ||
    (await storedLines('inference-feedback')) < labelled + requests
  ) {
    assert.ok(Date.now() < deadline, 'predict logged every request and its feedback within a minute');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return version;
}

interface MonitorResult {
  model: { version: string };
  samples: number;
  drift: { value: number | null; detected: boolean; features: string[]; reason: string };
  accuracy: { live: number | null; labeled: number };
  report: { uri: string };
  retraining: { started: boolean; workflowId?: string; runId?: string; pipeline?: string; reason?: string };
}

async function monitor(): Promise<{ result: MonitorResult }> {
  const run = await triggerRun(stack, { pipeline: 'monitor-model', input: { modelName: MODEL, windowHours: 1 } });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  return { result: view.result as MonitorResult };
}

async function objectText(uri: string): Promise<string> {
  const stream = await minio.getObject(BUCKET, uri.replace(`s3://${BUCKET}/`, ''));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('unshifted inputs: no drift, no retraining; shifted inputs: drift, a retraining promoted by the rules, served', async () => {
  const first = await triggerRun(stack, { pipeline: 'train-classifier', input: { source, modelName: MODEL } });
  const trained = await waitForRun(stack, first.runId, { timeoutMs: 180_000 });
  assert.equal(trained.status, 'completed', JSON.stringify(trained.error));
  const v1 = (trained.result as { model: { version: string } }).model.version;
  // The model's rules: the latest data wins once it reaches the minimum (a retraining scores on its own holdout).
  await setModelPolicy(stack, MODEL, { rules: { mustBeatProduction: false }, reason: 'retrain on the latest data' });

  const same = irisRows();
  assert.equal(await serve(same.rows, same.labels), v1);
  const calm = await monitor();
  assert.equal(calm.result.samples, 150);
  assert.equal(calm.result.drift.detected, false, calm.result.drift.reason);
  assert.ok(calm.result.drift.value !== null && calm.result.drift.value < 0.2);
  assert.ok(
    calm.result.accuracy.live !== null && calm.result.accuracy.live > 0.9,
    'the model is right on its own data',
  );
  assert.equal(calm.result.retraining.started, false);
  assert.equal((await getRun(stack, `drift-retraining-${MODEL}`).catch(() => undefined))?.status, undefined);

  // The world changes: petal lengths grow by 3 cm, in what callers send and in the source the model learns from.
  data.files.set('iris.csv', shiftedCsv(3));
  const moved = irisRows(3);
  await serve(moved.rows, moved.labels);
  const drifted = await monitor();
  assert.equal(drifted.result.samples, 300);
  assert.equal(drifted.result.drift.detected, true, drifted.result.drift.reason);
  assert.ok(drifted.result.drift.features.includes('petal_length'), drifted.result.drift.reason);
  assert.ok(!drifted.result.drift.features.includes('sepal_width'), 'an unchanged feature does not drift');
  assert.ok(drifted.result.accuracy.live! < calm.result.accuracy.live!, 'live accuracy fell');
  assert.deepEqual(drifted.result.retraining, {
    started: true,
    workflowId: `drift-retraining-${MODEL}`,
    runId: drifted.result.retraining.runId,
    pipeline: 'train-classifier',
  });
  const report = await objectText(drifted.result.report.uri);
  assert.match(report, /Drift detected/);
  assert.match(report, /<svg/);
  const served = await fetch(`${stack.gatewayUrl}/function/baton/models/${MODEL}/monitoring/report`, {
    headers: { authorization: `Bearer ${reader.token}` },
  });
  assert.equal(served.status, 200, 'a viewer reads the latest report through the API');
  assert.equal(await served.text(), report);

  const retraining = await waitForRun(stack, `drift-retraining-${MODEL}`, { timeoutMs: 240_000 });
  assert.equal(retraining.status, 'completed', JSON.stringify(retraining.error));
  const retrained = retraining.result as {
    model: { version: string };
    promotion: { promoted: boolean; reasons: string[] };
  };
  assert.equal(retrained.promotion.promoted, true, retrained.promotion.reasons.join('; '));
  assert.notEqual(retrained.model.version, v1, 'trained on the latest data');
  const answer = await predict(reader, { model: MODEL, rows: moved.rows.slice(0, 3) });
  assert.equal(answer.model.version, retrained.model.version, 'predict serves the retrained version');

  const byTrigger = await listRuns(stack, { query: "BatonTrigger = 'drift' AND BatonPipeline = 'train-classifier'" });
  assert.deepEqual(
    byTrigger.map((run) => [run.runId, run.trigger]),
    [[`drift-retraining-${MODEL}`, 'drift']],
    'the retraining is found by BatonTrigger',
  );

  const view = await getModelMonitoring(stack, MODEL);
  assert.deepEqual(
    view.history.map((point) => [point.version, point.samples, point.detected]),
    [
      [v1, 150, false],
      [v1, 300, true],
    ],
  );
  assert.ok(view.latest?.features.find((feature) => feature.feature === 'petal_length')?.drifted);
});
