import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFiles, processStartTicks } from './pid-files.ts';
import { replicaTmpDir } from './replica-env.ts';

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

test('a group whose leader died (a watchdog whose supervisor was killed) has its marked members stopped', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const marker = `BATON_STACK=${runDir}`;
  // A leader that starts a child in its group, then exits: the child lives on, orphaned, in the leader's group.
  const leader = spawn('sh', ['-c', 'sleep 60 & echo $!'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, BATON_STACK: runDir },
  });
  new PidFiles(runDir).record('train-abc123', leader.pid!, { group: true });
  const orphan = Number(await new Promise<string>((resolve) => leader.stdout!.once('data', (d) => resolve(String(d)))));
  await new Promise((resolve) => leader.once('exit', resolve));
  t.after(() => {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // gone: what the test wants
    }
  });
  assert.equal(alive(orphan), true, 'the orphan outlived its leader');

  const unmarked = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(unmarked, { recursive: true, force: true }));
  new PidFiles(unmarked).record('train-abc123', orphan, { group: true });
  await writeFile(
    join(unmarked, 'pids', 'train-abc123.json'),
    JSON.stringify({ pid: leader.pid, startTicks: '1', group: true }),
  );
  assert.deepEqual(await new PidFiles(unmarked, { stackMarker: 'BATON_STACK=/another/stack' }).stopLeftovers(500), []);
  assert.equal(alive(orphan), true, 'a member without this stack’s marker is not signalled');

  const stopped = await new PidFiles(runDir, { stackMarker: marker }).stopLeftovers(2_000);
  assert.deepEqual(stopped, [`train-abc123 (orphan ${orphan})`]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(alive(orphan), false, 'the orphan is stopped');
});

test("a leftover replica's TMPDIR goes with it; a pid file names no other folder to delete", async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  // The port a replica's TMPDIR is named after, held here so that no live replica elsewhere uses that name.
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  t.after(() => holder.close());
  const replicaTmp = replicaTmpDir((holder.address() as AddressInfo).port);
  await mkdir(replicaTmp, { recursive: true });
  await writeFile(join(replicaTmp, '.lock'), '');
  const otherFolder = await mkdtemp(join(tmpdir(), 'baton-pids-'));
  t.after(() => Promise.all([replicaTmp, otherFolder].map((dir) => rm(dir, { recursive: true, force: true }))));
  const groups = [0, 1].map(() => spawn('sh', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore' }));
  t.after(() => {
    for (const group of groups) {
      try {
        process.kill(-group.pid!, 'SIGKILL');
      } catch {
        // already gone: what the test wants
      }
    }
  });
  const earlier = new PidFiles(runDir);
  earlier.record('train-abc123', groups[0]!.pid!, { group: true, tmpDir: replicaTmp });
  earlier.record('train-def456', groups[1]!.pid!, { group: true, tmpDir: otherFolder });

  const stopped = await new PidFiles(runDir).stopLeftovers(2_000);
  assert.deepEqual(stopped.sort(), ['train-abc123', 'train-def456']);
  assert.equal(existsSync(replicaTmp), false, "the stopped replica's TMPDIR is removed");
  assert.equal(existsSync(otherFolder), true, 'a folder not named as a replica TMPDIR is kept');
});
