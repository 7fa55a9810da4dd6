import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepContext } from '#baton-step';
import { memoryRegistryStore, type MemoryRegistryStore } from '../../registry/index.ts';
import { codeVersionFromEnv } from './code-version.ts';
import { registerModelInput } from './schema.ts';

process.env.BATON_CODE_VERSION = 'abc1234-dirty'; // read once, when the handler module loads
const { handle } = await import('./handler.ts');

/** The parts of model.json these tests read. */
interface StoredMetadata {
  target?: string;
  lineage: { parameters?: unknown; codeVersion: string; run: unknown; trainedArtifact: string };
}

function context(store: MemoryRegistryStore): StepContext {
  return {
    run: {
      workflowId: 'train-classifier-1',
      runId: 'temporal-run',
      pipeline: 'train-classifier',
      step: 'register-model',
      attempt: 1,
    },
    callId: 'call',
    artifacts: () => store,
    log: () => {},
  } as unknown as StepContext;
}

function request(store: MemoryRegistryStore, extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}) {
  const artifact = store.putArtifact('runs/train-classifier-1/train/model.skops', Buffer.from('fitted'));
  const data = store.putArtifact('datasets/wine/0123456789ab/data.csv', Buffer.from('a,b\n'));
  const report = store.putArtifact('runs/train-classifier-1/evaluate/report.json', Buffer.from('{}'));
  return registerModelInput.parse({
    modelName: 'wine-forest',
    model: {
      artifact,
      format: 'skops',
      type: 'random_forest',
      params: { n_estimators: 5 },
      features: ['a'],
      classes: [0, 1],
      ...model,
    },
    dataset: { name: 'wine', version: '0123456789ab', data },
    evaluation: { metrics: { accuracy: 0.93 }, report },
    ...extra,
  });
}

test('a new version goes to staging with target, parameters and code version in its lineage', async () => {
  const store = memoryRegistryStore();
  const input = request(
    store,
    { parameters: { dataset: 'wine', model: { type: 'random_forest' } } },
    { target: 'label' },
  );
  const { output, metrics } = await handle(input, context(store));
  const version = input.model.artifact.sha256.slice(0, 12);
  assert.equal(output.version, version);
  assert.equal(output.stage, 'staging');
  assert.deepEqual(metrics, { modelBytes: 6 });
  const metadata = JSON.parse(
    store.objects.get(`models/wine-forest/${version}/model.json`)!.toString(),
  ) as StoredMetadata;
  assert.equal(metadata.target, 'label');
  assert.deepEqual(metadata.lineage.parameters, { dataset: 'wine', model: { type: 'random_forest' } });
  assert.equal(metadata.lineage.codeVersion, 'abc1234-dirty');
  assert.deepEqual(metadata.lineage.run, {
    pipeline: 'train-classifier',
    workflowId: 'train-classifier-1',
    runId: 'temporal-run',
    step: 'register-model',
  });
  assert.equal(metadata.lineage.trainedArtifact, input.model.artifact.uri);
  const stage = JSON.parse(store.objects.get(`models/wine-forest/${version}/stage.json`)!.toString()) as {
    stage: string;
    history: { by: string }[];
  };
  assert.equal(stage.stage, 'staging');
  assert.equal(stage.history[0]!.by, 'run train-classifier-1');
});

test('the input stays backwards compatible: target and parameters are optional', async () => {
  const store = memoryRegistryStore();
  const { output } = await handle(request(store), context(store));
  const metadata = JSON.parse(
    store.objects.get(`models/wine-forest/${output.version}/model.json`)!.toString(),
  ) as StoredMetadata;
  assert.equal('target' in metadata, false);
  assert.equal('parameters' in metadata.lineage, false);
  assert.equal(
    registerModelInput.safeParse({ ...request(store), modelName: 'Bad_Name' }).error?.issues[0]?.path.join('.'),
    'modelName',
  );
});

test('BATON_CODE_VERSION defaults to "unknown"; a strange value stops start-up naming the key', () => {
  assert.equal(codeVersionFromEnv({}), 'unknown');
  assert.equal(codeVersionFromEnv({ BATON_CODE_VERSION: ' 1a2b3c4 ' }), '1a2b3c4');
  assert.throws(() => codeVersionFromEnv({ BATON_CODE_VERSION: 'a b' }), /^Error: BATON_CODE_VERSION must be/);
});
