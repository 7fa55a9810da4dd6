/**
 * Issue 4 end to end on the real stack: each data source (bundled, CSV on a separate HTTP server, a real
 * PostgreSQL table) through validation, training, registration and promotion to a prediction served by `predict`;
 * promotion switching what `predict` serves without a restart; outliers failing or warning by policy; the SSRF
 * guard; an approval deadline passing without promotion.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cancelRun,
  decideApproval,
  predict,
  triggerRun,
  waitForRun,
  type Prediction,
} from '../../cli/api/run-client.ts';
import type { RunView } from '../../functions/baton/api/run-view.ts';
import { createKey } from '../../cli/api/keys-client.ts';
import { setModelPolicy } from '../../cli/api/models-client.ts';
import { startDataServer, type DataServer } from '../support/data-server.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { replicaPids, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { irisCsv, withOutliers } from '../support/iris.ts';
import { waitUntil } from '../support/wait-until.ts';

let stack: TestStack;
let data: DataServer;
let postgres: PostgresServer;
/** predict takes an issued viewer key, as people hold (not the stack's admin key). */
let reader: { gatewayUrl: string; token: string };

before(async () => {
  data = await startDataServer({ files: { 'iris.csv': irisCsv(), 'iris-outliers.csv': withOutliers(irisCsv()) } });
  postgres = await startPostgres();
  stack = await startTestStack({
    functionEnv: {
      ...postgres.env,
      PG_ALLOWED_TABLES: 'public.iris',
      RESOURCE_BASE_URL: data.url,
      RESOURCE_ALLOWED_HOSTS: data.host,
    },
  });
  await postgres.setPassword(stack.secrets.postgresPassword);
  await postgres.loadCsv(
    'iris',
    'sepal_length float8, sepal_width float8, petal_length float8, petal_width float8, species text',
    irisCsv(),
  );
  reader = { gatewayUrl: stack.gatewayUrl, token: (await createKey(stack, 'reader', ['viewer'])).key };
});
after(async () => {
  await stopTestStack(stack);
  await postgres?.stop();
  await data?.close();
});

interface TrainResult {
  dataset: { name: string; version: string };
  model: { name: string; version: string };
  validation?: { status: string; issues: number };
  promotion?: { promoted: boolean; reasons: string[]; approval?: unknown };
}

async function train(input: object): Promise<{ view: RunView; result: TrainResult }> {
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  return { view, result: view.result as TrainResult };
}

async function predictFirstRows(model: string, count = 3): Promise<Prediction> {
  const rows = [
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.0, 5.2, 2.3],
    [5.9, 3.0, 4.2, 1.5],
  ].slice(0, count);
  return predict(reader, { model, rows });
}

test('bundled dataset → validate → train → evaluate → register → promote → predict serves it', async () => {
  const { view, result } = await train({ dataset: 'iris', modelName: 'iris-bundled' });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.deepEqual(
    view.steps.map((step) => step.name),
    ['ingest', 'validate-dataset', 'train', 'evaluate', 'register-model', 'promote-model', 'report'],
  );
  assert.equal(result.validation?.status, 'passed');
  assert.equal(result.promotion?.promoted, true, result.promotion?.reasons.join('; '));
  const answer = await predictFirstRows('iris-bundled');
  assert.deepEqual(answer.model, { name: 'iris-bundled', version: result.model.version });
  assert.deepEqual(answer.predictions, [0, 2, 1]);
});

test('CSV over HTTP from a separate server (fetch-csv) → … → predict', async () => {
  const { view, result } = await train({
    source: { kind: 'csv', name: 'iris-csv', path: 'iris.csv', target: 'species' },
    modelName: 'iris-csv',
  });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.deepEqual(view.steps.map((step) => step.name).slice(0, 3), ['fetch-csv', 'ingest', 'validate-dataset']);
  assert.ok(
    data.requests.some((request) => request.url === '/iris.csv'),
    'the data server was asked for the file',
  );
  const answer = await predictFirstRows('iris-csv');
  assert.equal(answer.model.version, result.model.version);
  assert.deepEqual(answer.predictions, ['setosa', 'virginica', 'versicolor']);
});

test('a table of a real PostgreSQL database (ingest-postgres) → … → predict', async () => {
  const { view, result } = await train({
    source: { kind: 'postgres', table: 'iris', target: 'species', name: 'iris-pg' },
    modelName: 'iris-pg',
  });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.equal(view.steps[0]?.name, 'ingest-postgres');
  const answer = await predictFirstRows('iris-pg');
  assert.equal(answer.model.version, result.model.version);
  assert.deepEqual(answer.predictions, ['setosa', 'virginica', 'versicolor']);
});

test('a promotion switches what predict serves, without restarting it', async () => {
  const pids = await replicaPids('predict', stack.dataDir);
  const first = await train({
    dataset: 'iris',
    modelName: 'iris-switch',
    model: { type: 'logistic_regression', params: { C: 1 } },
  });
  assert.equal((await predictFirstRows('iris-switch')).model.version, first.result.model.version);
  // The model's policy, not the run, decides that a new version need not beat production (a run may only tighten it).
  await setModelPolicy(stack, 'iris-switch', { rules: { mustBeatProduction: false }, reason: 'latest wins' });
  const second = await train({
    dataset: 'iris',
    modelName: 'iris-switch',
    model: { type: 'random_forest', params: { n_estimators: 20 } },
  });
  assert.equal(second.result.promotion?.promoted, true, JSON.stringify(second.result.promotion));
  assert.notEqual(second.result.model.version, first.result.model.version);
  assert.equal((await predictFirstRows('iris-switch')).model.version, second.result.model.version);
  assert.deepEqual(await replicaPids('predict', stack.dataDir), pids, 'the predict replicas were not restarted');
});

test('injected outliers fail validation under the fail policy and warn under warn', async () => {
  const source = { kind: 'csv', name: 'iris-drift', path: 'iris-outliers.csv', target: 'species' };
  const failed = await train({ source, modelName: 'iris-drift', validation: { onIssue: 'fail' } });
  assert.equal(failed.view.status, 'failed');
  assert.match(failed.view.error?.message ?? '', /column "petal_length"/);
  assert.deepEqual(
    failed.view.steps.filter((step) => step.status !== 'skipped').map((step) => step.name),
    ['fetch-csv', 'ingest', 'validate-dataset'],
    'nothing runs after a failed validation',
  );
  const warned = await train({ source, modelName: 'iris-drift', validation: { onIssue: 'warn' } });
  assert.equal(warned.view.status, 'completed', JSON.stringify(warned.view.error));
  assert.equal(warned.result.validation?.status, 'warned');
  assert.ok((warned.result.validation?.issues ?? 0) > 0);
});

test('the SSRF guard refuses a host outside the allow-list; the run fails without retrying', async () => {
  const { view } = await train({
    source: { kind: 'csv', name: 'iris-ssrf', url: 'http://169.254.169.254/latest/meta-data', target: 'species' },
    modelName: 'iris-ssrf',
  });
  assert.equal(view.status, 'failed');
  assert.match(view.error?.message ?? '', /169\.254\.169\.254.*RESOURCE_ALLOWED_HOSTS/);
  assert.equal(view.steps[0]?.attempt, 1);
});

test('an approval deadline that passes leaves the version in staging; an approval promotes', async () => {
  const before = await train({ dataset: 'iris', modelName: 'iris-approval' });
  assert.equal(before.result.promotion?.promoted, true);
  await setModelPolicy(stack, 'iris-approval', { rules: { mustBeatProduction: false } });
  // The runs ask for an approval the policy does not require: stricter, so it applies.
  const expired = await train({
    dataset: 'iris',
    modelName: 'iris-approval',
    model: { type: 'random_forest', params: { n_estimators: 10 } },
    promotion: { approval: { required: true, timeout: '3s' } },
  });
  assert.equal(expired.view.status, 'completed', JSON.stringify(expired.view.error));
  assert.equal(expired.result.promotion?.promoted, false);
  assert.deepEqual(expired.result.promotion?.approval, { expired: true, timeout: '3s' });
  assert.equal(
    (await predictFirstRows('iris-approval')).model.version,
    before.result.model.version,
    'predict still serves the old version',
  );

  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: {
      dataset: 'iris',
      modelName: 'iris-approval',
      model: { type: 'random_forest', params: { n_estimators: 10 } },
      promotion: { approval: { required: true, timeout: '10m' } },
    },
  });
  // Alice approves with her own approver key: the decision records her, from the key, not from the body.
  const alice = { gatewayUrl: stack.gatewayUrl, token: (await createKey(stack, 'alice', ['approver'])).key };
  await assert.rejects(
    cancelRun(alice, run.runId),
    /may not POST .*needs the role "trigger"/,
    'an approver cannot cancel runs',
  );
  const receipt = await waitUntil(async () => {
    try {
      return await decideApproval(alice, run.runId, { approved: true, reason: 'looks good' });
    } catch (error) {
      if (/not waiting for an approval/.test((error as Error).message)) return undefined;
      throw error;
    }
  });
  assert.equal(receipt.approved, true);
  assert.equal(receipt.by, 'alice');
  const approved = await waitForRun(stack, run.runId, { timeoutMs: 120_000 });
  const result = approved.result as TrainResult;
  assert.equal(result.promotion?.promoted, true);
  assert.equal((await predictFirstRows('iris-approval')).model.version, result.model.version);
});

test('tune-classifier trains every candidate on the real functions and registers and promotes the best', async () => {
  const candidates = [
    { type: 'logistic_regression', params: { C: 0.01 } },
    { type: 'random_forest', params: { n_estimators: 30, max_depth: 4 } },
    { type: 'logistic_regression', params: { C: 10 } },
  ];
  const run = await triggerRun(stack, {
    pipeline: 'tune-classifier',
    input: {
      source: { kind: 'sklearn', dataset: 'wine' },
      candidates,
      maxConcurrent: 2,
      metric: 'f1',
      modelName: 'wine-tuned',
    },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 300_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const ran = view.steps
    .filter((step) => step.status === 'completed')
    .map((step) => step.name)
    .sort();
  assert.deepEqual(ran, [
    'evaluate#1',
    'evaluate#2',
    'evaluate#3',
    'ingest',
    'promote-model',
    'register-model',
    'report',
    'train#1',
    'train#2',
    'train#3',
    'validate-dataset',
  ]);
  const result = view.result as TrainResult & { best: number; candidates: { metrics: { f1: number } }[] };
  const scores = result.candidates.map((candidate) => candidate.metrics.f1);
  assert.equal(scores[result.best], Math.max(...scores), `the best of ${scores.join(', ')} is registered`);
  assert.equal(result.promotion?.promoted, true);
  assert.equal(
    (await predict(reader, { model: 'wine-tuned', rows: [Array(13).fill(1)] })).model.version,
    result.model.version,
  );
});
