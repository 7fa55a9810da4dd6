import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineDefinition } from './pipeline-definition.ts';

/** Each catalog and the bundle entry the worker runs its workflows from (Baton's own, and the fixtures'). */
const catalogs = [
  '../workflows/',
  '../test/fixtures/workflows/',
  '../test/fixtures/scaling/workflows/',
  '../bench/fixtures/workflows/',
];

for (const folder of catalogs) {
  test(`${folder}: every pipeline's workflow is exported from the bundle entry under its workflow type`, async () => {
    const { pipelines } = (await import(new URL(`${folder}catalog.ts`, import.meta.url).href)) as {
      pipelines: PipelineDefinition[];
    };
    const bundle = (await import(new URL(`${folder}index.ts`, import.meta.url).href)) as Record<string, unknown>;
    assert.ok(pipelines.length > 0);
    for (const pipeline of pipelines) {
      assert.equal(
        bundle[pipeline.workflowType],
        pipeline.workflow,
        `pipeline ${pipeline.name}: ${folder}index.ts must export its workflow function as "${pipeline.workflowType}"`,
      );
    }
  });
}

test('the built-in pipelines keep their workflow types: runs in flight and recorded histories name them', async () => {
  const { pipelines } = await import('./catalog.ts');
  // Only these: a pipeline added since (`baton new pipeline`) has a type of its own.
  const types = Object.fromEntries(pipelines.map((pipeline) => [pipeline.name, pipeline.workflowType]));
  assert.deepEqual(
    {
      'train-classifier': types['train-classifier'],
      'train-classifier-resumable': types['train-classifier-resumable'],
      'tune-classifier': types['tune-classifier'],
    },
    {
      'train-classifier': 'trainClassifier',
      'train-classifier-resumable': 'trainClassifierResumable',
      'tune-classifier': 'tuneClassifier',
    },
  );
});
