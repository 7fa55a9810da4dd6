import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedBinary, sha12, toolsDir } from './layout.ts';
import { venvDir } from './venv.ts';
import { standInHash } from './watchdog.ts';

test('toolsDir: BATON_TOOLS_DIR, else ~/.cache/baton/tools', () => {
  assert.equal(toolsDir({}), join(homedir(), '.cache', 'baton', 'tools'));
  assert.equal(toolsDir({ BATON_TOOLS_DIR: '/opt/baton-tools' }), '/opt/baton-tools');
  assert.equal(toolsDir({ BATON_TOOLS_DIR: '  ' }), join(homedir(), '.cache', 'baton', 'tools'));
});

test('cache layout: <tool>/<version>/<binary>, venv/<sha12 of requirements>', () => {
  assert.equal(cachedBinary('/c', 'temporal', 'v1.5.1', 'temporal'), '/c/temporal/v1.5.1/temporal');
  assert.equal(sha12(''), 'e3b0c44298fc');
  assert.equal(venvDir('/c', 'scikit-learn==1.5.2\n'), join('/c', 'venv', sha12('scikit-learn==1.5.2\n')));
});

test('the stand-in hash follows its sources, not its tests', (t) => {
  const src = mkdtempSync(join(tmpdir(), 'baton-wd-src-'));
  t.after(() => rmSync(src, { recursive: true, force: true }));
  writeFileSync(join(src, 'go.mod'), 'module baton/watchdog\n\ngo 1.22\n');
  writeFileSync(join(src, 'main.go'), 'package main\n');
  const first = standInHash(src);
  assert.match(first, /^[0-9a-f]{12}$/);
  writeFileSync(join(src, 'main_test.go'), 'package main\n');
  writeFileSync(join(src, 'README.md'), 'notes\n');
  assert.equal(standInHash(src), first);
  writeFileSync(join(src, 'main.go'), 'package main // changed\n');
  assert.notEqual(standInHash(src), first);
});
