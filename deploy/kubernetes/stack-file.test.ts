/**
 * stack.yml must be valid input for faas-cli (the production deploy path), checked offline.
 * With faas-cli installed, `faas-cli build --shrinkwrap` and `faas-cli generate` must succeed for every
 * function; the structural checks below run everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadStackFiles } from '../local/stack-file.ts';
import { repoRoot } from '../local/stack-config.ts';
import { ensureTools } from '../tools/tools.ts';

const run = promisify(execFile);
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const stackFile = join(repoRoot, 'stack.yml');

test('every function has a template with template.yml and Dockerfile, a handler and an image', async () => {
  const { functions } = await loadStackFiles([stackFile]);
  assert.ok(functions.length >= 5);
  for (const fn of functions) {
    const template = join(repoRoot, 'template', fn.lang);
    assert.ok(await exists(join(template, 'template.yml')), `${fn.name}: template/${fn.lang}/template.yml`);
    assert.ok(await exists(join(template, 'Dockerfile')), `${fn.name}: template/${fn.lang}/Dockerfile`);
    const handlerFile = fn.lang === 'baton-python' ? 'handler.py' : 'handler.ts';
    assert.ok(await exists(join(fn.handler, handlerFile)), `${fn.name}: ${handlerFile} in ${fn.handler}`);
    assert.match(fn.image, /^[a-z0-9./-]+:[\w.-]+$/, `${fn.name}: image`);
  }
});

test('faas-cli build --shrinkwrap and faas-cli generate accept stack.yml', async (t) => {
  const { faasCli } = await ensureTools();
  if (!faasCli) {
    t.skip('faas-cli is not installable on this machine (see `npm run setup`)');
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'baton-faas-cli-'));
  try {
    for (const entry of [
      'stack.yml',
      'template',
      'functions',
      'workflows',
      'activities',
      'registry',
      'scaler',
      'deploy',
    ]) {
      await cp(join(repoRoot, entry), join(work, entry), { recursive: true });
    }
    await run(faasCli, ['build', '--shrinkwrap', '-f', 'stack.yml'], { cwd: work });
    const { functions } = await loadStackFiles([stackFile]);
    for (const fn of functions) assert.ok(await exists(join(work, 'build', fn.name, 'function')), `build/${fn.name}`);
    const { stdout } = await run(faasCli, ['generate', '-f', 'stack.yml'], { cwd: work });
    for (const fn of functions) assert.match(stdout, new RegExp(`name: ${fn.name}\\b`));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
