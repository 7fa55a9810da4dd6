import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBuildContext, pathInScope } from './build-context.ts';

test('a context is laid out as faas-cli --shrinkwrap lays it out', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-context-'));
  try {
    await mkdir(path.join(root, 'template/py'), { recursive: true });
    await writeFile(path.join(root, 'template/py/Dockerfile'), 'FROM x\n');
    await writeFile(path.join(root, 'template/py/index.py'), '');
    await mkdir(path.join(root, 'fn/build'), { recursive: true });
    await mkdir(path.join(root, 'fn/__pycache__'), { recursive: true });
    await writeFile(path.join(root, 'fn/handler.py'), '');
    await mkdir(path.join(root, 'shared'));
    await writeFile(path.join(root, 'shared/util.py'), '');
    const context = await createBuildContext({
      name: 'f',
      lang: 'py',
      handler: path.join(root, 'fn'),
      templateDir: path.join(root, 'template'),
      buildDir: path.join(root, 'build'),
      copyPaths: ['./shared'],
      scopeDir: root,
    });
    assert.equal(context, path.join(root, 'build/f'));
    assert.deepEqual((await readdir(context)).sort(), ['Dockerfile', 'function', 'index.py']);
    assert.deepEqual((await readdir(path.join(context, 'function'))).sort(), ['handler.py', 'shared']);
    assert.deepEqual(await readdir(path.join(context, 'function/shared')), ['util.py']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('configuration.copy stays inside the project and is never the whole of it', () => {
  assert.equal(pathInScope('./workflows', '/repo'), '/repo/workflows');
  assert.throws(() => pathInScope('../elsewhere', '/repo'), /outside the project folder/);
  assert.throws(() => pathInScope('.', '/repo'), /whole project folder/);
});
