/**
 * `streaming`: one step streams a large artifact (default 2 GiB of deterministic pseudo-random bytes, made on the
 * fly) into MinIO with ArtifactStore.putStream, the next step streams it back with getStream (checking size and
 * sha256 on the way). Reported: MB/s each way (MB = 10^6 bytes, timed inside the handlers) and the peak RSS
 * growth of the two function wrappers over the run, which must stay bounded whatever the size.
 */
import { triggerRun } from '../cli/api/run-client.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { replicaProcesses, type BenchStack } from './support/bench-stack.ts';
import { CpuSampler, type CpuReport } from './support/cpu-sampler.ts';
import { runTiming } from './support/history.ts';
import { benchSignal } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { RssSampler, type RssGrowth } from './support/rss-sampler.ts';
import { round } from './support/stats.ts';

const MiB = 1024 * 1024;
const WARMUP_BYTES = 64 * MiB;

/** What one round trip measured. */
interface RoundTrip {
  writeMBps: number;
  readMBps: number;
  writeStepMs: number;
  readStepMs: number;
  memory: RssGrowth[];
  cpu: CpuReport;
}

/** Runs the benchmark on the bench stack. */
export async function runStreaming(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const bench = ctx.stack!;
  const { streamBytes, partBytes } = ctx.options;
  ctx.say(`warm-up: a ${WARMUP_BYTES / MiB} MiB round trip…`);
  await roundTrip(ctx, bench, WARMUP_BYTES, partBytes);
  benchSignal.throwIfAborted();
  ctx.say(`measuring: a ${(streamBytes / MiB).toFixed(0)} MiB round trip in ${partBytes / MiB} MiB parts…`);
  const measured = await roundTrip(ctx, bench, streamBytes, partBytes);
  const growth = (fn: string) => measured.memory.find((m) => m.name === fn)!.growthMiB;
  ctx.say(
    `write ${measured.writeMBps.toFixed(0)} MB/s, read ${measured.readMBps.toFixed(0)} MB/s; RSS growth: ${measured.memory.map((m) => `${m.name} +${m.growthMiB} MiB`).join(', ')}`,
  );

  return {
    ...resultSkeleton(ctx, 'streaming', 'streaming a large artifact through MinIO, step to step', startedAt),
    config: { sizeBytes: streamBytes, partSizeBytes: partBytes, warmupBytes: WARMUP_BYTES },
    metrics: {
      writeMBps: round(measured.writeMBps, 1),
      readMBps: round(measured.readMBps, 1),
      peakRssGrowthMiB: Math.max(...measured.memory.map((m) => m.growthMiB)),
      writerRssGrowthMiB: growth('blob-write'),
      readerRssGrowthMiB: growth('blob-read'),
      writeStepMs: round(measured.writeStepMs, 0),
      readStepMs: round(measured.readStepMs, 0),
      sizeMiB: round(streamBytes / MiB, 0),
    },
    targets: [{ metric: 'peakRssGrowthMiB', op: '<=', value: 64 }],
    samples: {},
    details: { memory: measured.memory, cpu: measured.cpu },
    notes: [
      'MB/s = 10^6 bytes per second, timed inside the handlers (`writeMs`, `readMs`); the step times (history: scheduled → completed) add Temporal and the HTTP call.',
      "RSS growth = peak − RSS before the run, of each function's node wrapper (where the bytes flow; the watchdog never sees them). The peak is the kernel's VmHWM, reset to VmRSS at the start (/proc/<pid>/clear_refs), and VmRSS sampled every 50 ms.",
      "putStream uploads one part at a time from one reused buffer of `partSizeBytes` and passes each part's size to the S3 client (uploadPart); the writer hashes while generating, the reader hashes while reading and fails on a size or sha256 mismatch.",
      `CPU over the round trip, in cores: ${measured.cpu.processes.map((p) => `${p.name} ${p.meanCores} (peak ${p.peakCores})`).join('; ')}; machine busy ${measured.cpu.machineBusyCores} of ${measured.cpu.cores}.`,
      "The Python store already streams: `put_file` passes `length` and `part_size` (16 MiB) to minio-py's put_object, and `get_to_file` reads 1 MiB chunks (template/baton-python/baton_step/s3_backend.py).",
    ],
  };
}

/** Runs one write → read pipeline of `sizeBytes`, watching both wrappers' memory. */
async function roundTrip(
  ctx: BenchContext,
  bench: BenchStack,
  sizeBytes: number,
  partSizeBytes: number,
): Promise<RoundTrip> {
  const wrapperOf = (fn: string) => {
    const replica = replicaProcesses(bench.stack, fn)[0];
    if (!replica) throw new Error(`the ${fn} function has no ready replica`);
    return replica.wrapper;
  };
  const sampler = new RssSampler({ 'blob-write': wrapperOf('blob-write'), 'blob-read': wrapperOf('blob-read') });
  const cpuSampler = new CpuSampler({
    minio: [bench.stack.minio.process.child.pid!],
    'blob-write wrapper': [wrapperOf('blob-write')],
    'blob-read wrapper': [wrapperOf('blob-read')],
  });
  sampler.start();
  cpuSampler.start();
  const started = performance.now();
  const ticker = setInterval(() => {
    const rss = sampler.current();
    ctx.say(
      `  ${((performance.now() - started) / 1000).toFixed(0)} s: RSS ${Object.entries(rss)
        .map(([name, mib]) => `${name} ${mib} MiB`)
        .join(', ')}`,
    );
  }, 5000);
  try {
    const run = await triggerRun(bench.stack, {
      pipeline: 'bench-blob-round-trip',
      input: { sizeBytes, partSizeBytes, seed: `bench-${sizeBytes}` },
    });
    const result = (await bench.client.workflow.getHandle(run.runId).result()) as { bytesRead: number };
    if (result.bytesRead !== sizeBytes) throw new Error(`read ${result.bytesRead} of ${sizeBytes} bytes`);
    const memory = sampler.stop();
    const cpu = cpuSampler.stop();
    const timing = await runTiming(bench.client, run.runId);
    const step = (id: string) => timing.steps.find((s) => s.activityId === id)!;
    const metric = (id: string, name: string) =>
      (step(id).result as { metrics: Record<string, number> }).metrics[name]!;
    const mb = sizeBytes / 1e6;
    return {
      writeMBps: mb / (metric('blob-write', 'writeMs') / 1000),
      readMBps: mb / (metric('blob-read', 'readMs') / 1000),
      writeStepMs: step('blob-write').completedMs - step('blob-write').scheduledMs,
      readStepMs: step('blob-read').completedMs - step('blob-read').scheduledMs,
      memory,
      cpu,
    };
  } finally {
    clearInterval(ticker);
    sampler.stop(); // stops its timer (again, when the run went well)
    cpuSampler.stop();
  }
}
