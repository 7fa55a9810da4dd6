import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { z } from 'zod';
import { buildStepCatalog } from './step-catalog.ts';
import { definePipeline } from '../workflows/pipeline-definition.ts';
import { defineStep, type StepDefinition } from '../workflows/step-definition.ts';
import { pipelines, steps } from '../workflows/catalog.ts';
import { fetchCsv } from '../workflows/steps/fetch-csv.ts';
import { ingest } from '../workflows/steps/ingest.ts';
import { functionSteps } from '../workflows/steps/index.ts';

const isStep = (value: unknown): value is StepDefinition =>
  typeof value === 'object' &&
  value !== null &&
  ['name', 'function', 'input', 'output', 'preset'].every((key) => key in value);

test("every step declared in workflows/steps/ is in the list the worker's catalog is built from", async () => {
  const stepsDir = new URL('../workflows/steps/', import.meta.url);
  const files = readdirSync(stepsDir).filter(
    (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'index.ts',
  );
  const declared: StepDefinition[] = [];
  for (const file of files)
    declared.push(...Object.values((await import(new URL(file, stepsDir).href)) as object).filter(isStep));
  assert.ok(declared.length >= 10, `found ${declared.length} steps`);
  // predict is declared for its function's schema only (people call it): in functionSteps, not the worker's steps.
  for (const step of declared)
    assert.ok(
      steps.includes(step) || functionSteps.includes(step),
      `step "${step.name}" is missing from workflows/steps/index.ts`,
    );
  assert.ok(
    !steps.some((step) => step.name === 'predict'),
    "no pipeline calls predict: it stays out of the worker's catalog",
  );
});

test('the catalog knows every step of every pipeline, alternatives included, by name', () => {
  const catalog = buildStepCatalog(steps, pipelines);
  assert.equal(catalog.get('fetch-csv'), fetchCsv, 'an alternative step is known');
  assert.equal(catalog.size, steps.length);
});

test("a step's function is its name unless it says otherwise", () => {
  assert.equal(ingest.function, 'ingest');
  assert.equal(fetchCsv.function, 'fetch-csv');
});

const lonely = defineStep({
  name: 'lonely',
  description: 'd',
  input: z.object({}),
  output: z.object({}),
  preset: 'quick',
});
const pipelineOf = (step: StepDefinition) =>
  definePipeline({
    name: 'p',
    description: 'd',
    workflow: async function p() {
      return {};
    },
    input: z.object({}),
    examples: { default: {} },
    steps: [step],
  });

test('a pipeline whose step is not in the list of every step stops start-up, naming the pipeline, the step and the fix', () => {
  assert.throws(
    () => buildStepCatalog(steps, [pipelineOf(lonely)]),
    /pipeline p declares step "lonely", which the catalog's list of every step leaves out: add it to the `steps` list/,
  );
  assert.equal(buildStepCatalog([...steps, lonely], [pipelineOf(lonely)]).get('lonely'), lonely);
});

test('two different steps may not share a name', () => {
  const twin = defineStep({
    name: 'lonely',
    description: 'other',
    input: z.object({}),
    output: z.object({}),
    preset: 'quick',
  });
  assert.throws(() => buildStepCatalog([lonely, twin], []), /two different steps are named "lonely"/);
  assert.throws(
    () => buildStepCatalog([lonely], [pipelineOf(twin)]),
    /declares a step "lonely" that is not the catalog's step of that name/,
  );
});
