import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFiles, processStartTicks } from './pid-files.ts';

const alive = (pid: number) => processStartTicks(pid) !== undefined;

test('a later stack stops the process groups and processes an earlier one recorded, and forgets them', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  // A replica-like group (a shell and its child) and a server-like single process, left running.
  const group = spawn('sh', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore' });
  const single = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    for (const kill of [() => process.kill(-group.pid!, 'SIGKILL'), () => single.kill('SIGKILL')]) {
      try {
        kill();
      } catch {
        // already gone: what the test wants
      }
    }
  });
  const earlier = new PidFiles(runDir);
  earlier.record('train-abc123', group.pid!, { group: true });
  earlier.record('minio', single.pid!, { group: false });

  const stopped = await new PidFiles(runDir).stopLeftovers(2_000);
  assert.deepEqual(stopped.sort(), ['minio', 'train-abc123']);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(alive(single.pid!), false);
  assert.throws(() => process.kill(-group.pid!, 0), /ESRCH/, 'the whole group is gone');
  assert.deepEqual(await readdir(join(runDir, 'pids')), []);
});

test('a pid the kernel gave to another process since is never signalled', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const pids = new PidFiles(runDir);
  pids.record('temporal', process.pid, { group: false });
  // Same pid, another start time: what a reused pid looks like. This test process must survive.
  await writeFile(join(pids.dir, 'temporal.json'), JSON.stringify({ pid: process.pid, startTicks: '1', group: false }));
  await writeFile(join(pids.dir, 'broken.json'), '{not json');
  assert.deepEqual(await new PidFiles(runDir).stopLeftovers(500), []);
  assert.deepEqual(await readdir(pids.dir), [], 'stale and unreadable files are removed');
});

test('forget removes a recorded process; no pid folder means nothing to stop', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const pids = new PidFiles(runDir);
  assert.deepEqual(await pids.stopLeftovers(), []);
  pids.record('minio', process.pid, { group: false });
  pids.forget('minio');
  assert.deepEqual(await readdir(pids.dir), []);
});
