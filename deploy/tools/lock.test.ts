import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from './lock.ts';

function tempLock(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, '.setup.lock');
}

test('a second holder waits until the first releases', async (t) => {
  const lock = tempLock(t);
  const order: string[] = [];
  const lines: string[] = [];
  let release!: () => void;
  const first = withLock(lock, async () => {
    order.push('first in');
    await new Promise<void>((r) => (release = r));
    order.push('first out');
  });
  await new Promise((r) => setTimeout(r, 20));
  const second = withLock(lock, async () => order.push('second in'), { pollMs: 10, progress: (l) => lines.push(l) });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(order, ['first in'], 'the second holder must not enter while the first holds the lock');
  assert.match(lines.join('\n'), /waiting for another setup \(pid \d+\)/);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first in', 'first out', 'second in']);
  assert.ok(!existsSync(lock), 'released');
});

test('the lock is released when the work fails', async (t) => {
  const lock = tempLock(t);
  await assert.rejects(
    withLock(lock, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(!existsSync(lock));
});

test('a lock whose owner process is gone is broken at once', async (t) => {
  const lock = tempLock(t);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(lock);
  writeFileSync(
    join(lock, 'owner.json'),
    JSON.stringify({ pid: dead, host: hostname(), at: new Date().toISOString() }),
  );
  const lines: string[] = [];
  const started = Date.now();
  await withLock(lock, async () => {}, { progress: (l) => lines.push(l), timeoutMs: 2000 });
  assert.ok(Date.now() - started < 1000);
  assert.match(lines.join('\n'), new RegExp(`stale setup lock \\(process ${dead} is gone\\)`));
});

test('an old lock is stale even if its pid is alive, an ownerless fresh one is not', async (t) => {
  const lock = tempLock(t);
  mkdirSync(lock);
  writeFileSync(
    join(lock, 'owner.json'),
    JSON.stringify({ pid: process.pid, host: hostname(), at: new Date(Date.now() - 3 * 3600_000).toISOString() }),
  );
  await withLock(lock, async () => {}, { timeoutMs: 2000 });

  mkdirSync(lock); // just created by someone who has not written owner.json yet
  await assert.rejects(
    withLock(lock, async () => {}, { timeoutMs: 100, pollMs: 10 }),
    /held .* for too long/,
  );
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old); // ...or who crashed before writing it
  await withLock(lock, async () => {}, { timeoutMs: 2000 });
});
