/**
 * The scaffolds end to end, in a copy of the checkout: `baton new pipeline`, then a Python and a TypeScript step
 * added to it; what they write typechecks and lints, its tests pass (the new workflow test, both handler tests,
 * the catalog and chart checks), and the new pipeline runs on the real stack started from the copy, answering the
 * starters' output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { ensureTools } from '../../deploy/tools/tools.ts';
import { STARTER_OUTPUT } from '../../cli/scaffold/step-sources.ts';
import { copyCheckout } from '../support/checkout-copy.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const run = promisify(execFile);
let copy: Awaited<ReturnType<typeof copyCheckout>>;
let stack: TestStack | undefined;

before(async () => {
  copy = await copyCheckout();
});
after(async () => {
  await stopTestStack(stack);
  await copy?.remove();
});

/** Runs a command in the copy; fails the test with its output when it fails. */
async function inCopy(file: string, args: string[], timeout = 180_000): Promise<string> {
  // --offline: `npx baton` is the copy's own bin; nothing may be fetched.
  const env = { ...process.env, npm_config_offline: 'true' };
  try {
    const { stdout } = await run(file, args, { cwd: copy.root, env, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

test('a scaffolded pipeline with a Python and a TypeScript step passes its checks and runs on the real stack', async () => {
  await inCopy('npx', ['baton', 'new', 'pipeline', 'greet-daily']);
  const python = await inCopy('npx', [
    'baton',
    'new',
    'step',
    'greet',
    '--lang',
    'python',
    '--pipeline',
    'greet-daily',
  ]);
  assert.match(python, /functions\/greet\/handler\.py/, 'says what to edit next');
  await inCopy('npx', ['baton', 'new', 'step', 'greet-node', '--lang', 'ts', '--pipeline', 'greet-daily']);

  await inCopy('npx', ['tsc', '--noEmit']);
  await inCopy('npx', ['eslint', 'workflows', 'functions/greet-node', 'cli']);
  await inCopy(process.execPath, [
    '--import',
    'tsx',
    '--test',
    'workflows/greet-daily/workflow.test.ts',
    'functions/greet-node/handler.test.ts',
    'workflows/catalog.test.ts',
    'activities/step-catalog.test.ts',
    'deploy/kubernetes/chart.test.ts',
    'workflows/step-presets.test.ts',
  ]);
  const { python: venvPython } = await ensureTools();
  await inCopy(venvPython, ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', 'functions/greet']);

  stack = await startTestStack({ repoRoot: copy.root });
  const started = await triggerRun(stack, { pipeline: 'greet-daily', input: {} });
  const view = await waitForRun(stack, started.runId, { timeoutMs: 90_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  assert.deepEqual(
    view.steps.map((step) => [step.name, step.function, step.status]),
    [
      ['greet', 'greet', 'completed'],
      ['greet-node', 'greet-node', 'completed'],
    ],
  );
  assert.deepEqual(view.result, { input: {}, outputs: { greet: STARTER_OUTPUT, greetNode: STARTER_OUTPUT } });
});
