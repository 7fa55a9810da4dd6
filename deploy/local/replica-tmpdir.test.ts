/**
 * Each replica gets a TMPDIR of its own (the watchdog's lock file lives there, and a replica that stops removes
 * it): the environment names one per port, and a Replica creates it empty and removes it when its run ends, when
 * it is stopped, and when its stack's process exits without stopping it.
 * The watchdog is a fake script here; test:watchdog holds the real behaviour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { processStartTicks } from './pid-files.ts';
import { Replica, DEFAULT_RESTART_BACKOFF } from './replica.ts';
import { replicaEnv, replicaTmpDir } from './replica-env.ts';
import type { FunctionSpec } from './stack-file.ts';

test('replicaEnv gives every replica its own TMPDIR, named after its watchdog port', () => {
  const spec = { name: 'train', handler: '/h', environment: { TMPDIR: '/shared' } } as unknown as FunctionSpec;
  const template = { lang: 'baton-node', dir: '/t', fprocess: 'node index.js' };
  const a = replicaEnv({
    spec,
    template,
    port: 41001,
    httpPort: 41002,
    secretsDir: '/s',
    inherited: { TMPDIR: '/tmp' },
  });
  const b = replicaEnv({ spec, template, port: 41003, httpPort: 41004, secretsDir: '/s', inherited: {} });
  assert.equal(a.TMPDIR, join(tmpdir(), 'baton-replica-41001'));
  assert.equal(a.TMPDIR, replicaTmpDir(41001));
  assert.notEqual(a.TMPDIR, b.TMPDIR);
});

test('a replica creates its TMPDIR empty, and removes it when it stops', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'baton-replica-test-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const watchdog = join(base, 'fake-watchdog');
  const seen = join(base, 'seen');
  // Records what it finds in $TMPDIR, leaves a lock file there, and waits to be stopped.
  writeFileSync(watchdog, `#!/bin/sh\nls -A "$TMPDIR" > "${seen}"\n: > "$TMPDIR/.lock"\nexec sleep 30\n`);
  chmodSync(watchdog, 0o755);
  const tmp = join(base, 'replica-tmp');
  // A stale lock file from a killed run on the same port must not make the new run look healthy.
  mkdirSync(tmp);
  writeFileSync(join(tmp, '.lock'), '');

  const replica = new Replica({
    id: 'fake-1',
    watchdogBinary: watchdog,
    cwd: base,
    env: () => ({ PATH: '/usr/bin:/bin', TMPDIR: tmp }),
    log: () => {},
    backoff: DEFAULT_RESTART_BACKOFF,
    stopGraceMs: 2_000,
  });
  replica.start();
  for (let i = 0; i < 100 && !existsSync(seen); i++) await sleep(50);
  for (let i = 0; i < 100 && !existsSync(join(tmp, '.lock')); i++) await sleep(50);
  assert.equal(readFileSync(seen, 'utf8'), '', 'TMPDIR is empty at start');
  await replica.stop();
  assert.ok(!existsSync(tmp), 'TMPDIR removed by the time stop() resolves');
});

test('a process that exits without stopping its replicas kills them and removes their TMPDIRs', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'baton-replica-test-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const watchdog = join(base, 'fake-watchdog');
  writeFileSync(watchdog, `#!/bin/sh\n: > "$TMPDIR/.lock"\necho $$ > "${join(base, 'pid')}"\nexec sleep 30\n`);
  chmodSync(watchdog, 0o755);
  const tmp = join(base, 'replica-tmp');
  // A stack process that starts a replica, waits for its lock file, then exits without calling stop().
  const fixture = fileURLToPath(new URL('../../test/fixtures/replica-without-stop.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, watchdog, tmp], { stdio: 'inherit' });
  assert.equal((await once(child, 'exit'))[0], 0);
  const pid = Number(readFileSync(join(base, 'pid'), 'utf8'));
  for (let i = 0; i < 40 && processStartTicks(pid) !== undefined; i++) await sleep(50);
  assert.equal(processStartTicks(pid), undefined, 'the watchdog was killed');
  assert.ok(!existsSync(tmp), 'its TMPDIR removed');
});
