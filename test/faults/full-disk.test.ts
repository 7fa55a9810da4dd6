/**
 * A full disk, caused for real: the stack's data lives on a small tmpfs this test mounts (as root), which a ballast
 * file then fills. Runs started meanwhile fail with a message that says the storage is full; the stack keeps serving
 * (no crash on a failed log write); once the ballast is deleted, new runs complete.
 *
 * Two layouts. First, only the folders Baton itself writes under load — MinIO's drive (`<data>/minio`) and the logs
 * (`<data>/logs`) — are bind mounts of the small filesystem, so one ballast fills both as one full disk would, while
 * Temporal's SQLite database stays on a disk with room: a Temporal server that cannot write can record nothing, not
 * even a run's failure, so only this layout can show a run that fails with a message. Second, the whole data folder
 * on the small filesystem, Temporal's database too: what Temporal does then depends on whether its write-ahead log
 * still has room (seen both: it goes on, or it answers UNAVAILABLE "shard status unknown" without exiting); the test
 * holds Baton to what it can promise either way — no 500, nothing down, and runs complete once space is freed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { getRun, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { bearer, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

/** Polls `attempt` until it gives something (not undefined, not false); fails naming `what` after `timeoutMs`. */
async function until<T>(what: string, attempt: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  return waitUntil(async () => {
    const value = await attempt();
    return value === false ? undefined : value;
  }, timeoutMs).catch(() => {
    throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
  });
}

const run = promisify(execFile);
/**
 * Big enough for MinIO's format and a few runs' artifacts (and, for the whole folder, Temporal's database); small
 * enough to fill in a moment (tmpfs is memory).
 */
const DISK_SIZE = { minioAndLogs: '96m', whole: '160m' };

/** Mounts a size-limited tmpfs at `at`; the reason when it cannot (not root, no CAP_SYS_ADMIN, no mount(8)). */
async function mountSmallDisk(at: string, size: string): Promise<string | undefined> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', at]);
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

/** Cleanup steps of one test, run last-added first after it (node:test runs its after-hooks first-added first). */
function cleanupsOf(t: TestContext): (() => Promise<unknown>)[] {
  const steps: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const step of steps.reverse())
      await step().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  });
  return steps;
}

/** A data folder whose `folders` (or, with none, the whole of it) are on a small tmpfs; undefined when skipped. */
async function dataOnSmallDisk(
  t: TestContext,
  cleanups: (() => Promise<unknown>)[],
  folders: string[],
): Promise<{ dataDir: string; ballast: string } | undefined> {
  const disk = await mkdtemp(join(tmpdir(), 'baton-small-disk-'));
  const dataDir = folders.length ? await mkdtemp(join(tmpdir(), 'baton-full-disk-')) : disk;
  const mounts: string[] = []; // unmounted in reverse order, whatever happens
  cleanups.push(async () => {
    for (const at of mounts.reverse()) await unmount(at);
    await rm(dataDir, { recursive: true, force: true });
    await rm(disk, { recursive: true, force: true });
  });
  const cannot = await mountSmallDisk(disk, folders.length ? DISK_SIZE.minioAndLogs : DISK_SIZE.whole);
  if (cannot) {
    t.skip(cannot);
    return undefined;
  }
  mounts.push(disk);
  for (const folder of folders) {
    await mkdir(join(disk, folder));
    await mkdir(join(dataDir, folder));
    await run('mount', ['--bind', join(disk, folder), join(dataDir, folder)]);
    mounts.push(join(dataDir, folder));
  }
  return { dataDir, ballast: join(disk, 'ballast') };
}

/** A stack on `dataDir` with the repository's functions, its notes kept in `notes`; stopped after the test. */
async function startOn(cleanups: (() => Promise<unknown>)[], dataDir: string, notes: string[]): Promise<TestStack> {
  const running: { stack?: TestStack } = {};
  cleanups.push(() => stopTestStack(running.stack));
  return (running.stack = await startTestStack({
    dataDir,
    stackFiles: async () => [join(repoRoot, 'stack.yml')],
    say: (line) => notes.push(line),
    verbose: true, // the stack's notes are what this test reads (kept in `notes`, not printed)
    // Every replica's lines go to <data>/logs/functions.log, on the small disk: the write that fails must not crash.
    functionsLog: true,
  }));
}

/** The gateway and the orchestrator answer. */
async function assertServing(stack: TestStack): Promise<void> {
  assert.equal((await fetch(`${stack.gatewayUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${stack.gatewayUrl}/function/baton/healthz`)).status, 200);
}

test('a full disk fails runs with a message saying so, the stack stays up, and runs complete once space is freed', async (t) => {
  const cleanups = cleanupsOf(t);
  const small = await dataOnSmallDisk(t, cleanups, ['minio', 'logs']);
  if (!small) return;
  const notes: string[] = [];
  const stack = await startOn(cleanups, small.dataDir, notes);
  const started = { minio: stack.minio.process.child.pid, temporal: stack.temporal.process.child.pid };

  const filled = await fillWithBallast(small.ballast);
  const { bavail, bsize } = await statfs(dirname(small.ballast));
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
  await assertServing(stack);
  const logNotes = notes.filter((line) => line.includes('cannot write') && line.includes('disk is full (ENOSPC)'));
  console.log(`the stack's notes about its logs: ${JSON.stringify(logNotes)}`);
  assert.equal(
    logNotes.filter((line) => line.includes('functions.log')).length,
    1,
    `one note about functions.log, not one per line: ${JSON.stringify(notes.filter((l) => l.includes('functions.log')))}`,
  );

  // Space freed: a new run completes, on the same stack.
  await rm(small.ballast);
  const healed = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  const done = await waitForRun(stack, healed.runId, { timeoutMs: 240_000 });
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  await until(
    'functions.log is written again',
    async () => notes.some((line) => line.includes('writing') && line.includes('functions.log again')),
    30_000,
  );
});

test("the whole data folder full, Temporal's database too: no 500, nothing down, runs complete once space is freed", async (t) => {
  const cleanups = cleanupsOf(t);
  const small = await dataOnSmallDisk(t, cleanups, []);
  if (!small) return;
  const notes: string[] = [];
  const stack = await startOn(cleanups, small.dataDir, notes);

  // A run in flight when the disk fills.
  const inFlight = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  await until(
    'the run in flight has ingested its dataset',
    async () =>
      (await getRun(stack, inFlight.runId)).steps.some((s) => s.name === 'ingest' && s.status === 'completed'),
    120_000,
  );
  await fillWithBallast(small.ballast);

  // A start on the full disk: Temporal records it (its write-ahead log had room) or is unavailable; never a bare 500.
  const answer = await fetch(`${stack.gatewayUrl}/function/baton/runs`, {
    method: 'POST',
    headers: { ...bearer(stack), 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: 'train-classifier', input: {} }),
  });
  const said = await answer.text();
  console.log(`a start on the full disk: ${answer.status} ${said}`);
  if (answer.status === 503) assert.match(said, /Temporal is unavailable: try again shortly|the storage is full/);
  else assert.equal(answer.status, 202, said);

  // Full for a while: the stack keeps serving, MinIO stays up (Temporal may be restarted by the supervisor: allowed).
  const minio = stack.minio.process.child.pid;
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  assert.equal(stack.minio.process.child.pid, minio, 'MinIO was restarted');
  await assertServing(stack);
  const inFlightView = await getRun(stack, inFlight.runId).catch((error: unknown) => String(error));
  console.log(`the run in flight while full: ${JSON.stringify(inFlightView).slice(0, 600)}`);

  // Space freed: a new run completes (after a few 503s while Temporal comes back, if it was unavailable), and the run
  // in flight ends: completed, or failed with the message that names the full disk (its step's retries ran out).
  await rm(small.ballast);
  const started = await until(
    'a run could be started after freeing space',
    async () => {
      try {
        return (await triggerRun(stack, { pipeline: 'train-classifier', input: {} })).runId;
      } catch {
        return undefined;
      }
    },
    120_000,
  );
  const healed = await waitForRun(stack, started, { timeoutMs: 240_000 });
  assert.equal(healed.status, 'completed', JSON.stringify(healed.error));
  const ended = await waitForRun(stack, inFlight.runId, { timeoutMs: 240_000 });
  console.log(`the run in flight: ${ended.status} ${JSON.stringify(ended.error ?? null)}`);
  if (ended.status !== 'completed') assert.match(ended.error?.message ?? '', /the storage is full/);
  await assertServing(stack);
});
