import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepInputError, type StepContext } from '#baton-step';
import { memoryRegistryStore, ModelRegistry, type MemoryRegistryStore } from '../../registry/index.ts';
import { handle } from './handler.ts';
import { promoteModelInput } from './schema.ts';

function context(store: MemoryRegistryStore): StepContext {
  return {
    run: {
      workflowId: 'train-classifier-7',
      runId: 'temporal-run',
      pipeline: 'train-classifier',
      step: 'promote-model',
      attempt: 1,
    },
    callId: 'call',
    artifacts: () => store,
    log: () => {},
  } as unknown as StepContext;
}

async function registered(store: MemoryRegistryStore, content: string): Promise<string> {
  const artifact = store.putArtifact(`runs/${content}/train/model.skops`, Buffer.from(content));
  const result = await new ModelRegistry(store).register({
    name: 'wine',
    artifact,
    format: 'skops',
    type: 'logistic_regression',
    params: {},
    features: ['a'],
    classes: [0, 1],
    metrics: { accuracy: 0.9 },
    lineage: {
      dataset: { name: 'wine', version: 'd', uri: 's3://baton-test/d' },
      run: { pipeline: 'p', workflowId: content, runId: 'r', step: 's' },
      codeVersion: 'unknown',
      evaluationReport: 's3://baton-test/e',
    },
    by: 'test',
  });
  return result.version;
}

test('promotes to production by default, archiving the previous production version; a repeat changes nothing', async () => {
  const store = memoryRegistryStore();
  const [one, two] = [await registered(store, 'one'), await registered(store, 'two')];
  const ctx = context(store);
  assert.deepEqual(
    (await handle(promoteModelInput.parse({ modelName: 'wine', version: one, reason: 'first' }), ctx)).output,
    { modelName: 'wine', version: one, stage: 'production', previousProduction: null },
  );
  assert.deepEqual(
    (await handle(promoteModelInput.parse({ modelName: 'wine', version: two, reason: 'better', by: 'alice' }), ctx))
      .output,
    { modelName: 'wine', version: two, stage: 'production', previousProduction: one },
  );
  const pointer = JSON.parse(store.objects.get('models/wine/production.json')!.toString()) as {
    version: string;
    by: string;
    reason: string;
  };
  assert.deepEqual([pointer.version, pointer.by, pointer.reason], [two, 'alice', 'better']);
  assert.equal((await new ModelRegistry(store).getVersion('wine', one)).stage, 'archived');
  const writes = store.writes.length;
  assert.equal(
    (await handle(promoteModelInput.parse({ modelName: 'wine', version: two, reason: 'retry' }), ctx)).output
      .previousProduction,
    null,
  );
  assert.equal(store.writes.length, writes);

  const demoted = await handle(
    promoteModelInput.parse({ modelName: 'wine', version: two, stage: 'archived', reason: 'broken' }),
    ctx,
  );
  assert.deepEqual(demoted.output, { modelName: 'wine', version: two, stage: 'archived', previousProduction: two });
  assert.equal(store.objects.has('models/wine/production.json'), false);
  const history = (await new ModelRegistry(store).getVersion('wine', two)).stageHistory;
  assert.deepEqual(history.at(-1), {
    stage: 'archived',
    at: history.at(-1)!.at,
    by: 'run train-classifier-7',
    reason: 'broken',
  });
});

test('an unknown model or version is an input error naming the field (422, not retried)', async () => {
  const store = memoryRegistryStore();
  const one = await registered(store, 'one');
  const ctx = context(store);
  await assert.rejects(
    handle(promoteModelInput.parse({ modelName: 'wine', version: 'ffffffffffff', reason: '' }), ctx),
    (error: unknown) =>
      error instanceof StepInputError &&
      error.issues[0]?.path === 'version' &&
      /no version "ffffffffffff" of model "wine"/.test(error.message),
  );
  await assert.rejects(
    handle(promoteModelInput.parse({ modelName: 'beer', version: one, reason: '' }), ctx),
    (error: unknown) => error instanceof StepInputError && error.issues[0]?.path === 'modelName',
  );
  const bad = promoteModelInput.safeParse({ modelName: 'wine', version: one, stage: 'live', reason: 'x' });
  assert.deepEqual(
    bad.error?.issues.map((issue) => issue.path.join('.')),
    ['stage'],
  );
  assert.deepEqual(
    promoteModelInput.safeParse({ modelName: 'wine', version: one }).error?.issues.map((issue) => issue.path.join('.')),
    ['reason'],
  );
});
