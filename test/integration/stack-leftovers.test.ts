/**
 * A supervisor that dies by SIGKILL cannot stop what it started: its servers and replicas keep running. The next
 * stack on the same data folder finds them through their pid files and stops them before starting its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processStartTicks } from '../../deploy/local/pid-files.ts';
import { replicaPids, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const alive = (pid: number) => processStartTicks(pid) !== undefined;

async function serverPid(dataDir: string, name: string): Promise<number> {
  return (JSON.parse(await readFile(join(dataDir, 'run', 'pids', `${name}.json`), 'utf8')) as { pid: number }).pid;
}

/** The TMPDIRs of these replica processes (each watchdog's and wrapper's environment names its replica's). */
async function replicaTmpDirs(pids: number[]): Promise<string[]> {
  const dirs = new Set<string>();
  for (const pid of pids) {
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0');
    const tmp = environ.find((entry) => entry.startsWith('TMPDIR='));
    if (tmp) dirs.add(tmp.slice('TMPDIR='.length));
  }
  return [...dirs];
}

test('a restarted stack stops the servers and replicas a SIGKILLed supervisor left, and only those', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-leftovers-'));
  const earlier = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'run-stack.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started: { later?: TestStack } = {};
  const orphans: number[] = [];
  t.after(async () => {
    earlier.kill('SIGKILL');
    await stopTestStack(started.later).catch(() => {});
    for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL'); // only if the test failed
    await rm(dataDir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: earlier.stdout! }).on('line', (line) => line === 'ready' && resolve());
    earlier.once('exit', (code) => reject(new Error(`the first stack exited (code ${code}) before it was ready`)));
  });

  const servers = [await serverPid(dataDir, 'minio'), await serverPid(dataDir, 'temporal')];
  const replicas = await replicaPids(undefined, dataDir);
  orphans.push(...servers, ...replicas);
  assert.ok(replicas.length >= 3, `replicas of the first stack: ${replicas.join(', ')}`);
  const replicaTmps = await replicaTmpDirs(replicas);
  assert.ok(replicaTmps.length >= 3 && replicaTmps.every((dir) => existsSync(dir)), replicaTmps.join(', '));
  earlier.kill('SIGKILL');
  await new Promise((resolve) => earlier.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok([...servers, ...replicas].every(alive), 'the dead supervisor left everything running');

  const lines: string[] = [];
  started.later = await startTestStack({
    dataDir,
    stackFiles: async () => [join(fixtures, 'stack.yml')],
    verbose: true,
    say: (line) => lines.push(line),
  });
  assert.ok(
    lines.some((line) => /stopped \d+ processes a previous stack on .* left running: .*minio.*/.test(line)),
    lines.join('\n'),
  );
  assert.deepEqual([...servers, ...replicas].filter(alive), [], 'every leftover is gone');
  assert.deepEqual(
    replicaTmps.filter((dir) => existsSync(dir)),
    [],
    "the leftover replicas' TMPDIRs are gone with them",
  );
  const now = await replicaPids(undefined, dataDir);
  assert.ok(now.length >= 3 && now.every((pid) => !replicas.includes(pid)), 'the new stack runs replicas of its own');
});
