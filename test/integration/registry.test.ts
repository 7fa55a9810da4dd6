/**
 * The model registry end to end on the real local stack: train-classifier registers a version in MinIO through the
 * register-model function, the trigger API shows and promotes it through the gateway, and production.json in the
 * bucket is what the Python readers will see.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { ArtifactStore } from '../../template/baton-node/artifacts.ts';
import type { ModelSummary, ModelView } from '../../registry/index.ts';
import { bearer, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stopTestStack(stack));

const MODEL = 'registry-it';
const api = (path: string) => `${stack.gatewayUrl}/function/baton${path}`;
const getJson = async <T>(path: string): Promise<T> => {
  const response = await fetch(api(path), { headers: bearer(stack) });
  assert.equal(response.status, 200, `GET ${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
};
const promote = (version: string, body: unknown) =>
  fetch(api(`/models/${MODEL}/versions/${version}/promote`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(stack) },
    body: JSON.stringify(body),
  });

/** Trains and registers one version (never promoted by the pipeline itself); answers the run id and version. */
async function trainVersion(model: unknown): Promise<{ runId: string; version: string }> {
  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: { dataset: 'wine', model, modelName: MODEL, promotion: { enabled: false } },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 240_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  return { runId: run.runId, version: (view.result as { model: { version: string } }).model.version };
}

/** The production pointer as stored in MinIO (what predict reads), or undefined. */
async function storedPointer(): Promise<{ version: string; model: { sha256: string } } | undefined> {
  const store = new ArtifactStore({
    endpoint: new URL(stack.minioUrl),
    region: 'us-east-1',
    bucket: 'baton-artifacts',
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
  return (await store.readJson(`models/${MODEL}/production.json`))?.value as
    | { version: string; model: { sha256: string } }
    | undefined;
}

let first: { runId: string; version: string };

test('a trained model shows up through the gateway in staging, with its lineage', async () => {
  first = await trainVersion({ type: 'logistic_regression', params: {} });
  const { models } = await getJson<{ models: ModelSummary[] }>('/models');
  const listed = models.find((model) => model.name === MODEL);
  assert.deepEqual(listed && [listed.versionCount, listed.production, listed.latest.version, listed.latest.stage], [
    1,
    null,
    first.version,
    'staging',
  ]);

  const model = await getJson<ModelView>(`/models/${MODEL}`);
  assert.equal(model.production, null);
  const [version] = model.versions;
  assert.equal(version?.version, first.version);
  assert.equal(version.stage, 'staging');
  assert.equal(version.model.uri, `s3://baton-artifacts/models/${MODEL}/${first.version}/model.skops`);
  assert.equal(version.model.sha256.slice(0, 12), first.version);
  assert.equal(version.lineage.run.workflowId, first.runId);
  assert.equal(version.lineage.run.pipeline, 'train-classifier');
  assert.equal(version.lineage.dataset.name, 'wine');
  assert.match(version.lineage.dataset.version, /^[0-9a-f]{12}$/);
  assert.match(
    version.lineage.codeVersion ?? '',
    /^[0-9a-f]{7,40}(-dirty)?$/,
    "the stack passes the checkout's commit",
  );
  assert.equal(typeof version.target, 'string');
  assert.ok((version.metrics.accuracy ?? 0) > 0.8, JSON.stringify(version.metrics));
  assert.deepEqual(
    version.stageHistory.map((change) => change.stage),
    ['staging'],
  );
  assert.equal(await storedPointer(), undefined);
});

test('promoting through the API sets production; promoting a second version archives the first', async () => {
  const promoted = await promote(first.version, { reason: 'first good model' });
  assert.equal(promoted.status, 200);
  assert.deepEqual(await promoted.json(), {
    modelName: MODEL,
    version: first.version,
    stage: 'production',
    previousProduction: null,
    changed: true,
  });
  assert.equal((await storedPointer())?.version, first.version);

  const second = await trainVersion({ type: 'random_forest', params: { n_estimators: 20, max_depth: 4 } });
  assert.notEqual(second.version, first.version);
  assert.equal((await getJson<{ stage: string }>(`/models/${MODEL}/versions/${second.version}`)).stage, 'staging');
  const replaced = await promote(second.version, {});
  assert.deepEqual(await replaced.json(), {
    modelName: MODEL,
    version: second.version,
    stage: 'production',
    previousProduction: first.version,
    changed: true,
  });

  const model = await getJson<ModelView>(`/models/${MODEL}`);
  assert.equal(model.production?.version, second.version);
  assert.deepEqual(Object.fromEntries(model.versions.map((v) => [v.version, v.stage])), {
    [first.version]: 'archived',
    [second.version]: 'production',
  });
  const archived = model.versions.find((v) => v.version === first.version)!;
  assert.deepEqual(
    archived.stageHistory.map((change) => [change.stage, change.by]),
    [
      ['staging', `run ${first.runId}`],
      ['production', 'admin'],
      ['archived', 'admin'],
    ],
    "the stack's admin key promoted: its name is recorded",
  );
  const pointer = await storedPointer();
  assert.equal(pointer?.version, second.version);
  assert.equal(pointer?.model.sha256.slice(0, 12), second.version);

  const again = await promote(second.version, { stage: 'production' });
  assert.equal(
    ((await again.json()) as { changed: boolean }).changed,
    false,
    'promoting the production version again changes nothing',
  );
});

test("a bad promotion body answers 400 with the field's path; unknown versions and models 404 naming them", async () => {
  const bad = await promote(first.version, { stage: 'live' });
  assert.equal(bad.status, 400);
  assert.deepEqual(
    ((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
    ['stage'],
  );

  const unknownVersion = await promote('ffffffffffff', {});
  assert.equal(unknownVersion.status, 404);
  assert.match(
    ((await unknownVersion.json()) as { error: { message: string } }).error.message,
    new RegExp(`no version "ffffffffffff" of model "${MODEL}"`),
  );
  const unknownModel = await fetch(api('/models/no-such-model'), { headers: bearer(stack) });
  assert.equal(unknownModel.status, 404);
  assert.match(
    ((await unknownModel.json()) as { error: { message: string } }).error.message,
    /no model "no-such-model"/,
  );
  assert.equal((await storedPointer())?.version !== first.version, true, 'the refused calls changed nothing');
});
