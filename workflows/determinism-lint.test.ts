import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

// Lint is what keeps workflows deterministic; this checks that it really refuses the usual mistakes.
const eslint = new ESLint();
const rulesHit = async (code: string, filePath = 'workflows/some-pipeline.ts') => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((message) => message.ruleId);
};

test('workflows may not import I/O modules or the Temporal client', async () => {
  for (const module of ['node:fs', 'undici', 'minio', '@temporalio/client', 'fs']) {
    assert.deepEqual(
      await rulesHit(`import * as m from '${module}';\nexport const x = m;\n`),
      ['@typescript-eslint/no-restricted-imports'],
      module,
    );
  }
});

test('workflows may not use fetch, the environment or Math.random', async () => {
  assert.deepEqual(await rulesHit('export const r = fetch("http://x");\n'), ['no-restricted-globals']);
  assert.deepEqual(await rulesHit('export const r = process.env.X;\n'), ['no-restricted-globals']);
  assert.deepEqual(await rulesHit('export const r = Math.random();\n'), ['no-restricted-properties']);
});

test('workflows may not configure zod, which the runs of a workflow thread share', async () => {
  assert.deepEqual(await rulesHit("import { z } from 'zod';\nz.config({ jitless: true });\n"), [
    'no-restricted-properties',
  ]);
});

test("the scaler's workflow is held to the same rules", async () => {
  assert.deepEqual(await rulesHit('export const r = fetch("http://x");\n', 'scaler/workflow/scaler-workflow.ts'), [
    'no-restricted-globals',
  ]);
});

test("activities are imported as types only, and Temporal's workflow API is allowed", async () => {
  assert.deepEqual(
    await rulesHit("import { createActivities } from '../activities/index.ts';\nexport const c = createActivities;\n"),
    ['@typescript-eslint/no-restricted-imports'],
  );
  assert.deepEqual(
    await rulesHit(
      "import type { Activities } from '../activities/index.ts';\nimport { sleep } from '@temporalio/workflow';\nexport type A = Activities;\nexport const s = sleep;\n",
    ),
    [],
  );
});
