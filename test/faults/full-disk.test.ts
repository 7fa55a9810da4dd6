/**
 * A full disk, caused for real: the stack's object store and log files live on a small tmpfs this test mounts (as
 * root), which a ballast file then fills. Runs started meanwhile fail with a message that says the storage is full;
 * the stack keeps serving (no crash on a failed log write); once the ballast is deleted, new runs complete.
 *
 * Why not the whole data folder: Temporal's SQLite database lives there too, and a Temporal server that cannot write
 * can record nothing, not even a run's failure, so no run could "fail with a message". What a full disk does to
 * Temporal is the server's business (it stalls; the supervisor restarts it if it dies). The folders Baton itself
 * writes and reads under load — MinIO's drive (`<data>/minio`) and the logs (`<data>/logs`) — are bind mounts of
 * the one small filesystem, so a single ballast fills both, as one full disk would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getRun, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

/** Polls `check` until true; fails naming `what` after `timeoutMs`. */
const until = (what: string, check: () => Promise<boolean>, timeoutMs: number) =>
  waitUntil(async () => ((await check()) ? true : undefined), timeoutMs).catch(() => {
    throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
  });

const run = promisify(execFile);
/** Big enough for MinIO's format and a few runs' artifacts; small enough to fill in a moment (tmpfs is memory). */
const DISK_SIZE = '96m';

/** Mounts a size-limited tmpfs at `at`; the reason when it cannot (not root, no CAP_SYS_ADMIN, no mount(8)). */
async function mountSmallDisk(at: string): Promise<string | undefined> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE},mode=0700`, 'tmpfs', at]);
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${(error as Error).message.trim()}`;
  }
}

/** Unmounts `at`, lazily when still busy: a test that failed halfway must not leave a mount behind. */
async function unmount(at: string): Promise<void> {
  await run('umount', [at]).catch(() => run('umount', ['-l', at]).catch(() => {}));
}

/** Writes `path` until the filesystem says ENOSPC; returns the bytes written. */
async function fillWithBallast(path: string): Promise<number> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += (await file.write(chunk)).bytesWritten;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close().catch(() => {});
  }
  // The last partial chunk: fill to the last byte.
  const tail = await open(path, 'a');
  try {
    for (let size = 64 * 1024; size >= 1; size = Math.floor(size / 2)) {
      try {
        for (;;) written += (await tail.write(Buffer.alloc(size, 1))).bytesWritten;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    await tail.close().catch(() => {});
  }
  return written;
}

test('a full disk fails runs with a message saying so, the stack stays up, and runs complete once space is freed', async (t) => {
  const disk = await mkdtemp(join(tmpdir(), 'baton-small-disk-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-full-disk-'));
  const mounts: string[] = []; // unmounted in reverse order, whatever happens
  const running: { stack?: TestStack } = {};
  t.after(async () => {
    await stopTestStack(running.stack).catch((error: unknown) => console.error(`stopping the stack: ${String(error)}`));
    for (const at of mounts.reverse()) await unmount(at);
    await rm(dataDir, { recursive: true, force: true });
    await rm(disk, { recursive: true, force: true });
  });

  const cannot = await mountSmallDisk(disk);
  if (cannot) {
    t.skip(cannot);
    return;
  }
  mounts.push(disk);
  for (const folder of ['minio', 'logs']) {
    await mkdir(join(disk, folder));
    await mkdir(join(dataDir, folder));
    await run('mount', ['--bind', join(disk, folder), join(dataDir, folder)]);
    mounts.push(join(dataDir, folder));
  }

  const notes: string[] = [];
  const stack = (running.stack = await startTestStack({
    dataDir,
    stackFiles: async () => [join(repoRoot, 'stack.yml')],
    say: (line) => notes.push(line),
    verbose: true, // the stack's notes are what this test reads (kept in `notes`, not printed)
    functionsLog: true,
  }));
  // Every replica's lines go to <data>/logs/functions.log, on the small disk: the write that fails must not crash.
  const started = { minio: stack.minio.process.child.pid, temporal: stack.temporal.process.child.pid };

  const ballast = join(disk, 'ballast');
  const filled = await fillWithBallast(ballast);
  const { bavail, bsize } = await statfs(disk);
  assert.equal(bavail * bsize, 0, `the small disk still has ${bavail * bsize} bytes free after ${filled} of ballast`);

  // A run on the full disk: its first step cannot store the dataset.
  const doomed = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  // While Temporal retries the step, the run's view already says why.
  await until(
    'the ingest step shows a failed attempt',
    async () => {
      const view = await getRun(stack, doomed.runId);
      return view.steps.some((step) => step.name === 'ingest' && step.error !== undefined);
    },
    120_000,
  );
  const retrying = await getRun(stack, doomed.runId);
  const ingest = retrying.steps.find((step) => step.name === 'ingest')!;
  console.log(`while retrying: ${ingest.error}`);
  // The Python wrapper answers 507 StorageFull; the invoke activity names it (activities/classify-response.ts).
  assert.match(
    ingest.error!,
    /^function "ingest" failed \(507\): the storage is full \(disk full, XMinioStorageFull\)/,
  );

  const failed = await waitForRun(stack, doomed.runId, { timeoutMs: 240_000 });
  console.log(`the run failed: ${JSON.stringify(failed.error)}`);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error?.message ?? '', /storage is full/);
  assert.equal(failed.error?.type, 'StorageFull');

  // The stack itself stayed up: same MinIO and Temporal processes, the gateway and the orchestrator answering.
  assert.equal(stack.minio.process.child.pid, started.minio, 'MinIO was restarted');
  assert.equal(stack.temporal.process.child.pid, started.temporal, 'Temporal was restarted');
  assert.equal((await fetch(`${stack.gatewayUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${stack.gatewayUrl}/function/baton/healthz`)).status, 200);
  const logNotes = notes.filter((line) => line.includes('cannot write') && line.includes('disk is full (ENOSPC)'));
  console.log(`the stack's notes about its logs: ${JSON.stringify(logNotes)}`);
  assert.equal(
    logNotes.filter((line) => line.includes('functions.log')).length,
    1,
    `one note about functions.log, not one per line: ${JSON.stringify(notes.filter((l) => l.includes('functions.log')))}`,
  );

  // Space freed: a new run completes, on the same stack.
  await rm(ballast);
  const healed = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  const done = await waitForRun(stack, healed.runId, { timeoutMs: 240_000 });
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  await until(
    'functions.log is written again',
    async () => notes.some((line) => line.includes('writing') && line.includes('functions.log again')),
    30_000,
  );
});
