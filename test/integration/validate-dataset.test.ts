/**
 * validate-dataset on the real local stack: the real ingest function writes a dataset version into MinIO, the test
 * writes a tampered second version of the same dataset (a few values 50 standard deviations out), and the
 * validate-dataset replica is called through the gateway: clean → 200 passed; outliers under `fail` → 422 naming the
 * column; outliers under `warn` → 200 warned; the report artifact is in MinIO every time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StepErrorType } from '#baton-contract';
import { createHash } from 'node:crypto';
import type { ArtifactRef } from '#baton-contract';
import { ArtifactStore } from '../../template/baton-node/artifacts.ts';
import { validateDataset } from '../../workflows/steps/validate-dataset.ts';
import type { DatasetVersion } from '../../workflows/steps/schemas.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { postSignedStep } from '../support/step-call.ts';

const COLUMN = 'mean radius';

let stack: TestStack;
let store: ArtifactStore;
let clean: DatasetVersion;
let tampered: DatasetVersion;

before(async () => {
  stack = await startTestStack();
  store = new ArtifactStore({
    endpoint: new URL(stack.minioUrl),
    region: 'us-east-1',
    bucket: 'baton-artifacts',
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
  const ingested = await callStep('ingest', 'wf-validate-ingest', { source: 'sklearn', dataset: 'breast_cancer' });
  assert.equal(ingested.status, 200, JSON.stringify(ingested.body));
  clean = (ingested.body as { output: { dataset: DatasetVersion } }).output.dataset;
  tampered = await storeTamperedVersion(clean, COLUMN, 3);
});
after(() => stopTestStack(stack));

/** Calls a step function through the gateway with a step envelope, as the invoke activity does. */
async function callStep(fn: string, workflowId: string, input: unknown): Promise<{ status: number; body: unknown }> {
  const run = { workflowId, runId: 'direct-call', pipeline: 'validate-dataset-test', step: fn, attempt: 1 };
  const response = await postSignedStep(stack, fn, { input, run }, { 'X-Call-Id': `${workflowId}:${fn}:1` });
  return { status: response.status, body: await response.json() };
}

/**
 * Writes `datasets/<name>/<v2>/data.csv` and `schema.json`: the clean rows with `count` values of `column` set 50
 * sample standard deviations above its mean, and previousVersion = the clean version.
 */
async function storeTamperedVersion(dataset: DatasetVersion, column: string, count: number): Promise<DatasetVersion> {
  const lines = (await store.getBytes(dataset.data)).toString('utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const j = header.indexOf(column);
  assert.ok(j >= 0, `column "${column}" in the header ${lines[0]}`);
  const rows = lines.slice(1).map((line) => line.split(','));
  const values = rows.map((row) => Number(row[j]));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  for (let i = 0; i < count; i++) rows[1 + 7 * i]![j] = String(mean + 50 * std);
  const data = Buffer.from(`${[header, ...rows].map((row) => row.join(',')).join('\n')}\n`);
  const version = createHash('sha256').update(data).digest('hex').slice(0, 12);
  const prefix = `datasets/${dataset.name}/${version}`;
  const schema = JSON.parse((await store.getBytes(dataset.schema)).toString('utf8')) as Record<string, unknown>;
  return {
    ...dataset,
    version,
    data: await store.putBytes(`${prefix}/data.csv`, data, 'text/csv'),
    schema: await store.putJson(`${prefix}/schema.json`, { ...schema, version, bytes: data.length }),
    previousVersion: dataset.version,
  };
}

async function readReport(
  ref: ArtifactRef,
  workflowId: string,
): Promise<{ status: string; issues: { check: string; column?: string }[] }> {
  assert.equal(ref.uri, `s3://baton-artifacts/runs/${workflowId}/validate-dataset/validation-report.json`);
  return JSON.parse((await store.getBytes(ref)).toString('utf8')) as {
    status: string;
    issues: { check: string; column?: string }[];
  };
}

test('the clean dataset passes with no issue and a report', async () => {
  const { status, body } = await callStep('validate-dataset', 'wf-validate-clean', { dataset: clean });
  assert.equal(status, 200, JSON.stringify(body));
  const output = validateDataset.output.parse((body as { output: unknown }).output);
  assert.deepEqual([output.status, output.issues], ['passed', []]);
  assert.equal((await readReport(output.report, 'wf-validate-clean')).status, 'passed');
});

test('injected outliers fail validation under the `fail` policy: 422 naming the column, report kept', async () => {
  const workflowId = 'wf-validate-fail';
  const { status, body } = await callStep('validate-dataset', workflowId, {
    dataset: tampered,
    policy: { onIssue: 'fail' },
  });
  assert.equal(status, 422, JSON.stringify(body));
  const { error } = body as { error: { message: string; type: string; issues: { path: string; message: string }[] } };
  assert.equal(error.type, StepErrorType.InvalidInput);
  assert.match(
    error.message,
    new RegExp(
      `^dataset "breast_cancer" version ${tampered.version} failed validation: column "${COLUMN}": 0\\.53% of values are outliers \\(3 of 569 with \\|z\\| > 6 and beyond 20×IQR\\), limit 0%`,
    ),
  );
  const reportUri = `s3://baton-artifacts/runs/${workflowId}/validate-dataset/validation-report.json`;
  assert.ok(error.message.endsWith(`(report ${reportUri})`), error.message);
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['input.dataset.data'],
  );
  // Nothing accepted is lost: the report of the failed validation is in MinIO.
  const report = await readReport(
    await store.ref(`runs/${workflowId}/validate-dataset/validation-report.json`),
    workflowId,
  );
  assert.equal(report.status, 'failed');
  assert.deepEqual(
    report.issues.map((issue) => [issue.check, issue.column]),
    [['outliers', COLUMN]],
  );
});

test('the same outliers pass with a warning under `warn`, with a report', async () => {
  const workflowId = 'wf-validate-warn';
  const { status, body } = await callStep('validate-dataset', workflowId, {
    dataset: tampered,
    policy: { onIssue: 'warn' },
  });
  assert.equal(status, 200, JSON.stringify(body));
  const output = validateDataset.output.parse((body as { output: unknown }).output);
  assert.equal(output.status, 'warned');
  assert.deepEqual(
    output.issues.map((issue) => [issue.check, issue.column, issue.severity]),
    [['outliers', COLUMN, 'warning']],
  );
  const report = await readReport(output.report, workflowId);
  assert.equal(report.status, 'warned');
  assert.deepEqual(report.issues, output.issues);
});
