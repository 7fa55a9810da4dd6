import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  memoryRegistryStore,
  ModelNotFoundError,
  ModelRegistry,
  ModelVersionNotFoundError,
  RegistryConflictError,
  RegistryDocumentError,
  type MemoryRegistryStore,
  type RegistrationRequest,
} from './index.ts';

/** A registry over an in-memory store whose clock advances one second per reading. */
function setUp() {
  const store = memoryRegistryStore();
  let tick = 0;
  const registry = new ModelRegistry(store, { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
  return { store, registry };
}

/** Stores a "trained model file" with the given content under a run key and answers a registration of it. */
function trained(store: MemoryRegistryStore, content: string, run = 'run-1'): RegistrationRequest {
  const artifact = store.putArtifact(`runs/${run}/train/model.skops`, Buffer.from(content));
  return {
    name: 'wine',
    artifact,
    format: 'skops',
    type: 'random_forest',
    params: { n_estimators: 10 },
    features: ['a', 'b'],
    classes: [0, 1],
    target: 'label',
    metrics: { accuracy: 0.9 },
    lineage: {
      dataset: { name: 'wine', version: 'd0d0d0d0d0d0', uri: 's3://baton-test/datasets/wine/d0d0d0d0d0d0/data.csv' },
      run: { pipeline: 'train-classifier', workflowId: run, runId: `${run}-r`, step: 'register-model' },
      parameters: { dataset: 'wine' },
      codeVersion: 'abc1234-dirty',
      evaluationReport: `s3://baton-test/runs/${run}/evaluate/report.json`,
    },
    by: 'register-model',
  };
}

const json = (store: MemoryRegistryStore, key: string) =>
  JSON.parse(store.objects.get(key)!.toString('utf8')) as Record<string, unknown>;

test('register copies the model under its content-derived version, writes model.json once and starts in staging', async () => {
  const { store, registry } = setUp();
  const request = trained(store, 'model-bytes-1');
  const version = request.artifact.sha256.slice(0, 12);
  const first = await registry.register(request);
  assert.equal(first.version, version);
  assert.equal(first.created, true);
  assert.equal(first.stage, 'staging');
  assert.equal(first.model.uri, `s3://baton-test/models/wine/${version}/model.skops`);
  assert.equal(first.model.sha256, request.artifact.sha256);
  assert.deepEqual(store.objects.get(`models/wine/${version}/model.skops`), Buffer.from('model-bytes-1'));
  const metadata = json(store, `models/wine/${version}/model.json`);
  assert.deepEqual(metadata, {
    name: 'wine',
    version,
    registeredAt: '2026-01-01T00:00:00.000Z',
    model: { uri: first.model.uri, sha256: request.artifact.sha256, size: 13, format: 'skops', type: 'random_forest' },
    params: { n_estimators: 10 },
    features: ['a', 'b'],
    classes: [0, 1],
    target: 'label',
    signature: {
      inputs: [
        { name: 'a', type: 'float64' },
        { name: 'b', type: 'float64' },
      ],
      output: { target: 'label', classes: [0, 1] },
    },
    metrics: { accuracy: 0.9 },
    lineage: { ...request.lineage, trainedArtifact: request.artifact.uri },
  });
  assert.deepEqual(json(store, `models/wine/${version}/stage.json`), {
    stage: 'staging',
    changedAt: '2026-01-01T00:00:00.000Z',
    history: [{ stage: 'staging', at: '2026-01-01T00:00:00.000Z', by: 'register-model', reason: 'registered' }],
  });

  // A retry (or the same model from another run) registers the same version and rewrites no document.
  await registry.setStage('wine', version, 'production', { by: 'me' });
  const writes = store.writes.length;
  const again = await registry.register(trained(store, 'model-bytes-1', 'run-2'));
  assert.equal(again.version, version);
  assert.equal(again.created, false);
  assert.equal(again.stage, 'production', 'a retried registration does not put a promoted version back to staging');
  assert.deepEqual(again.metadata, first.metadata);
  assert.deepEqual(
    store.writes.slice(writes),
    [`models/wine/${version}/model.skops`],
    'only the (identical) model file is copied again',
  );
  assert.equal(
    (json(store, `models/wine/${version}/model.json`).lineage as { run: { workflowId: string } }).run.workflowId,
    'run-1',
  );
});

test('getModel lists versions newest first with stage, metrics, params and lineage; unknown names are NotFound errors', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const two = await registry.register(trained(store, 'two', 'run-2'));
  const model = await registry.getModel('wine');
  assert.equal(model.production, null);
  assert.deepEqual(
    model.versions.map((v) => [v.version, v.stage]),
    [
      [two.version, 'staging'],
      [one.version, 'staging'],
    ],
  );
  assert.equal(model.versions[1]!.lineage.run.workflowId, 'run-1');
  assert.equal(model.versions[1]!.lineage.codeVersion, 'abc1234-dirty');
  assert.deepEqual(model.versions[1]!.metrics, { accuracy: 0.9 });
  assert.equal(model.versions[1]!.stageHistory.length, 1);

  const version = await registry.getVersion('wine', one.version);
  assert.equal(version.version, one.version);
  assert.deepEqual(await registry.listModels(), [
    {
      name: 'wine',
      versionCount: 2,
      production: null,
      latest: {
        version: two.version,
        registeredAt: model.versions[0]!.registeredAt,
        stage: 'staging',
        metrics: { accuracy: 0.9 },
      },
    },
  ]);

  await assert.rejects(
    registry.getModel('nope'),
    (error: unknown) => error instanceof ModelNotFoundError && /no model "nope"/.test(error.message),
  );
  await assert.rejects(registry.getModel('../etc'), ModelNotFoundError);
  await assert.rejects(registry.getVersion('nope', one.version), ModelNotFoundError);
  await assert.rejects(
    registry.getVersion('wine', 'ffffffffffff'),
    (error: unknown) =>
      error instanceof ModelVersionNotFoundError &&
      error.version === 'ffffffffffff' &&
      /no version "ffffffffffff" of model "wine"/.test(error.message),
  );
  await assert.rejects(
    registry.setStage('wine', 'ffffffffffff', 'production', { by: 'me' }),
    ModelVersionNotFoundError,
  );
  assert.equal(store.objects.has('models/wine/production.json'), false, 'a failed promotion writes nothing');
});

test('promoting archives the previous production version and moves the pointer; promoting again changes nothing', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const two = await registry.register(trained(store, 'two', 'run-2'));

  const first = await registry.setStage('wine', one.version, 'production', { by: 'alice', reason: 'best so far' });
  assert.deepEqual(first, {
    name: 'wine',
    version: one.version,
    stage: 'production',
    previousProduction: null,
    changed: true,
  });
  assert.deepEqual(json(store, 'models/wine/production.json'), {
    version: one.version,
    model: { uri: one.model.uri, sha256: one.model.sha256, size: one.model.size },
    promotedAt: '2026-01-01T00:00:02.000Z',
    by: 'alice',
    reason: 'best so far',
  });

  const second = await registry.setStage('wine', two.version, 'production', { by: 'bob', reason: 'more accurate' });
  assert.deepEqual(second, {
    name: 'wine',
    version: two.version,
    stage: 'production',
    previousProduction: one.version,
    changed: true,
  });
  assert.equal(json(store, 'models/wine/production.json').version, two.version);
  const oldStage = json(store, `models/wine/${one.version}/stage.json`) as {
    stage: string;
    history: { stage: string; by: string; reason: string }[];
  };
  assert.equal(oldStage.stage, 'archived');
  assert.deepEqual(
    oldStage.history.map((change) => [change.stage, change.by]),
    [
      ['staging', 'register-model'],
      ['production', 'alice'],
      ['archived', 'bob'],
    ],
  );
  assert.match(oldStage.history[2]!.reason, new RegExp(`replaced in production by ${two.version}: more accurate`));
  const model = await registry.getModel('wine');
  assert.equal(model.production?.version, two.version);
  assert.deepEqual(
    model.versions.map((v) => [v.version, v.stage]),
    [
      [two.version, 'production'],
      [one.version, 'archived'],
    ],
  );

  const writes = store.writes.length;
  const repeated = await registry.setStage('wine', two.version, 'production', { by: 'bob' });
  assert.deepEqual(repeated, {
    name: 'wine',
    version: two.version,
    stage: 'production',
    previousProduction: null,
    changed: false,
  });
  assert.equal(store.writes.length, writes, 'promoting the production version again writes nothing');

  // Rolling back: an archived version can go back to production.
  const rollback = await registry.setStage('wine', one.version, 'production', { by: 'carol', reason: 'rollback' });
  assert.equal(rollback.previousProduction, two.version);
  assert.deepEqual(
    (await registry.getModel('wine')).versions.map((v) => v.stage),
    ['archived', 'production'],
  );
});

test('demoting the production version removes the pointer; other stage changes leave it alone', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const two = await registry.register(trained(store, 'two', 'run-2'));
  await registry.setStage('wine', one.version, 'production', { by: 'alice' });

  const archivedOther = await registry.setStage('wine', two.version, 'archived', { by: 'alice', reason: 'worse' });
  assert.deepEqual(archivedOther, {
    name: 'wine',
    version: two.version,
    stage: 'archived',
    previousProduction: null,
    changed: true,
  });
  assert.equal(json(store, 'models/wine/production.json').version, one.version);

  const demoted = await registry.setStage('wine', one.version, 'staging', { by: 'alice', reason: 'needs review' });
  assert.deepEqual(demoted, {
    name: 'wine',
    version: one.version,
    stage: 'staging',
    previousProduction: one.version,
    changed: true,
  });
  assert.equal(store.objects.has('models/wine/production.json'), false);
  const model = await registry.getModel('wine');
  assert.equal(model.production, null);
  assert.deepEqual(
    model.versions.map((v) => [v.version, v.stage]),
    [
      [two.version, 'archived'],
      [one.version, 'staging'],
    ],
  );
  assert.deepEqual((await registry.setStage('wine', one.version, 'staging', { by: 'alice' })).changed, false);
});

test('a promotion stopped halfway reads consistently (the pointer is the truth) and a repeated call finishes it', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const two = await registry.register(trained(store, 'two', 'run-2'));
  await registry.setStage('wine', one.version, 'production', { by: 'alice' });
  // The pointer moved to `two`, then the writer died before touching either stage.json.
  const pointer = json(store, 'models/wine/production.json');
  store.objects.set(
    'models/wine/production.json',
    Buffer.from(
      JSON.stringify({
        ...pointer,
        version: two.version,
        model: { uri: two.model.uri, sha256: two.model.sha256, size: two.model.size },
      }),
    ),
  );
  assert.deepEqual(
    (await registry.getModel('wine')).versions.map((v) => [v.version, v.stage]),
    [
      [two.version, 'production'],
      [one.version, 'archived'],
    ],
  );
  assert.equal(json(store, `models/wine/${one.version}/stage.json`).stage, 'production', 'not yet repaired');

  const retried = await registry.setStage('wine', two.version, 'production', { by: 'bob' });
  assert.equal(retried.changed, true);
  assert.equal(retried.previousProduction, one.version, 'the version the first try replaced');
  assert.equal(json(store, `models/wine/${one.version}/stage.json`).stage, 'archived');
  assert.equal(json(store, `models/wine/${two.version}/stage.json`).stage, 'production');
});

test('two concurrent promotions leave exactly one version in production, the one the pointer names', async () => {
  const { store, registry } = setUp();
  const versions: string[] = [];
  for (const content of ['one', 'two', 'three'])
    versions.push((await registry.register(trained(store, content, `run-${content}`))).version);
  await registry.setStage('wine', versions[0]!, 'production', { by: 'alice' });
  await Promise.all([
    registry.setStage('wine', versions[1]!, 'production', { by: 'bob' }),
    registry.setStage('wine', versions[2]!, 'production', { by: 'carol' }),
  ]);
  const model = await registry.getModel('wine');
  const serving = model.versions.filter((v) => v.stage === 'production').map((v) => v.version);
  assert.deepEqual(serving, [model.production!.version]);
  assert.ok([versions[1], versions[2]].includes(model.production!.version));
  assert.equal(model.versions.find((v) => v.version === versions[0])!.stage, 'archived');
});

test('a document that other writers keep changing gives up with a conflict; a malformed one names its key and field', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const busy = new ModelRegistry({ ...store, putJsonIf: async () => undefined });
  await assert.rejects(
    busy.setStage('wine', one.version, 'production', { by: 'me' }),
    (error: unknown) => error instanceof RegistryConflictError && error.key === 'models/wine/production.json',
  );

  store.objects.set(
    `models/wine/${one.version}/stage.json`,
    Buffer.from(JSON.stringify({ stage: 'live', changedAt: 'x', history: [] })),
  );
  await assert.rejects(
    registry.getModel('wine'),
    (error: unknown) =>
      error instanceof RegistryDocumentError &&
      error.message.startsWith(`registry document models/wine/${one.version}/stage.json is invalid: stage:`),
  );
});

test('a version registered before stages existed (no stage.json) reads as staging and can be promoted', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  store.objects.delete(`models/wine/${one.version}/stage.json`);
  const version = await registry.getVersion('wine', one.version);
  assert.equal(version.stage, 'staging');
  assert.equal(version.stageChangedAt, version.registeredAt);
  assert.deepEqual(version.stageHistory, []);
  await registry.setStage('wine', one.version, 'production', { by: 'me' });
  assert.equal((await registry.getVersion('wine', one.version)).stage, 'production');
});

test('a version registered before signatures shows the one its features and classes make', async () => {
  const { store, registry } = setUp();
  const one = await registry.register(trained(store, 'one'));
  const key = `models/wine/${one.version}/model.json`;
  const { signature, ...older } = json(store, key);
  assert.ok(signature, 'registration records the signature');
  store.objects.set(key, Buffer.from(JSON.stringify(older)));
  assert.deepEqual((await registry.getVersion('wine', one.version)).signature, signature);
});
