import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineStep, functionDeclaration } from '../workflows/step-definition.ts';
import { functionSteps } from '../workflows/steps/index.ts';
import { benchPythonSchemaFiles } from '../bench/fixtures/python-step-schemas.ts';
import { stepSchemaFiles } from './step-json-schemas.ts';

const stackFile = fileURLToPath(new URL('../stack.yml', import.meta.url));

test("every step function holds its step's schemas, as generated from the zod declarations now", async () => {
  const files = await stepSchemaFiles(stackFile);
  assert.equal(files.length, new Set(functionSteps.map((step) => step.function)).size, 'one file per function');
  for (const file of files) {
    assert.ok(existsSync(file.path), `${file.path} is missing: run \`npm run gen:contract\` and commit the result`);
    assert.equal(
      readFileSync(file.path, 'utf8'),
      file.text,
      `${file.path} is stale: run \`npm run gen:contract\` and commit the result`,
    );
  }
});

test("the benchmarks' Python functions hold their steps' schemas, as generated now", () => {
  for (const file of benchPythonSchemaFiles())
    assert.equal(
      readFileSync(file.path, 'utf8'),
      file.text,
      `${file.path} is stale: run \`npm run gen:contract\` and commit the result`,
    );
});

test('a step function without a declaration, or a declaration without a function, is an error naming it', async () => {
  const withoutTrain = functionSteps.filter((step) => step.function !== 'train');
  await assert.rejects(
    stepSchemaFiles(stackFile, withoutTrain),
    /function train \(baton-python\) has no step declaration/,
  );
  const stray = defineStep({
    name: 'nowhere',
    description: '',
    input: z.object({}),
    output: z.object({}),
    preset: 'quick',
  });
  await assert.rejects(
    stepSchemaFiles(stackFile, [...functionSteps, stray]),
    /step "nowhere" calls function "nowhere", which stack.yml does not define/,
  );
});

test('input schemas carry the defaults and leave defaulted fields optional', async () => {
  const train = JSON.parse(readFileSync(new URL('../functions/train/step.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(train.input.required, ['dataset']);
  assert.deepEqual(train.input.properties.model.default, { type: 'logistic_regression' });
  assert.equal(train.input.properties.split.properties.testSize.default, 0.2);
  assert.equal(train.input.additionalProperties, false);
});

test('a function several steps call (its probe too) holds the union of their schemas, and checks inputs by it', async () => {
  const fetchCsv = JSON.parse(
    readFileSync(new URL('../functions/fetch-csv/step.schema.json', import.meta.url), 'utf8'),
  );
  assert.equal(fetchCsv.step, 'fetch-csv | probe-csv');
  assert.equal(fetchCsv.input.anyOf.length, 2);
  const declared = functionDeclaration('fetch-csv', functionSteps)!;
  assert.ok(declared.input.safeParse({ path: 'wine.csv' }).success, 'a fetch');
  assert.ok(declared.input.safeParse({ probe: true, path: 'wine.csv' }).success, 'a probe');
  assert.equal(declared.input.safeParse({ probe: true, saveAs: 'x.csv' }).success, false, 'neither: strict both');
  assert.equal(functionDeclaration('train', functionSteps)?.name, 'train', 'one declaration is itself');
});
