import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeptServer } from './kept-server.ts';
import { startManagedProcess } from './managed-process.ts';
import { processStartTicks } from './pid-files.ts';

const backoff = { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 };

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a server that dies is started again with a line saying why; stop() ends it for good', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-kept-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const kept = await KeptServer.start({
    name: 'sleeper',
    start: async () => ({
      process: startManagedProcess('sleeper', 'sleep', ['60'], { logFile: join(dir, 'sleeper.log') }),
    }),
    log: (line) => lines.push(line),
    backoff,
  });
  const first = kept.server.process.child.pid!;
  process.kill(first, 'SIGKILL');
  await until('a restart', () => kept.server.process.child.pid !== first);
  assert.match(lines[0]!, /^sleeper was killed by SIGKILL; restarting it in 50 ms \(restart 1/);
  assert.equal(kept.restarts, 1);

  const second = kept.server.process.child.pid!;
  await kept.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(processStartTicks(second), undefined, 'stopped');
  assert.equal(kept.server.process.child.pid, second, 'not restarted after stop()');
});

test('a restart that fails is tried again, later each time', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-kept-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  let starts = 0;
  const kept = await KeptServer.start({
    name: 'flaky',
    start: async () => {
      starts++;
      if (starts === 2 || starts === 3) throw new Error('port still busy');
      return { process: startManagedProcess('flaky', 'sleep', ['60'], { logFile: join(dir, 'flaky.log') }) };
    },
    log: (line) => lines.push(line),
    backoff,
  });
  t.after(() => kept.stop());
  process.kill(kept.server.process.child.pid!, 'SIGKILL');
  await until('the fourth start', () => starts === 4 && lines.some((line) => line === 'flaky is back'));
  assert.deepEqual(
    lines.map((line) => line.replace(/ \(restart.*/, '')),
    [
      'flaky was killed by SIGKILL; restarting it in 50 ms',
      'flaky did not start again (port still busy); restarting it in 100 ms',
      'flaky did not start again (port still busy); restarting it in 200 ms',
      'flaky is back',
    ],
  );
});

test('restart() replaces the server without the watch starting a second one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-kept-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let starts = 0;
  const kept = await KeptServer.start({
    name: 'replaced',
    start: async () => (
      starts++, { process: startManagedProcess('replaced', 'sleep', ['60'], { logFile: join(dir, 'r.log') }) }
    ),
    log: () => {},
    backoff,
  });
  t.after(() => kept.stop());
  await kept.restart();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(starts, 2);
  assert.equal(kept.restarts, 0);
});
