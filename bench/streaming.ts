/**
 * `streaming`: one step streams a large artifact (default 2 GiB of deterministic pseudo-random bytes, made on the
 * fly) into MinIO with ArtifactStore.putStream, the next step streams it back with getStream (checking size and
 * sha256 on the way). Reported: MB/s each way (MB = 10^6 bytes, timed inside the handlers) and the peak RSS
 * growth of the two function wrappers over the run, which must stay bounded whatever the size. Then the same for
 * the Python template: a Python step writes a generated CSV of that size and uploads it, the next downloads it and
 * reads it row by row (bench-csv-round-trip), the two Python wrappers' RSS growth bounded the same way.
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

/** One round trip: a writer step, then a reader step, and the functions that run them. */
interface RoundTripCase {
  pipeline: string;
  input: Record<string, unknown>;
  writer: string;
  reader: string;
}

/** What one round trip measured: the two steps' results and times, and the two wrappers' memory and CPU. */
interface RoundTrip {
  step: (id: string) => { result: { metrics: Record<string, number> }; ms: number };
  output: Record<string, unknown>;
  memory: RssGrowth[];
  cpu: CpuReport;
}

/** Runs the benchmark on the bench stack: the TypeScript case, then the Python one. */
export async function runStreaming(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const bench = ctx.stack!;
  const { streamBytes, partBytes } = ctx.options;
  const tsCase = (sizeBytes: number): RoundTripCase => ({
    pipeline: 'bench-blob-round-trip',
    input: { sizeBytes, partSizeBytes: partBytes, seed: `bench-${sizeBytes}` },
    writer: 'blob-write',
    reader: 'blob-read',
  });
  const pyCase = (sizeBytes: number): RoundTripCase => ({
    pipeline: 'bench-csv-round-trip',
    input: { sizeBytes, seed: `bench-${sizeBytes}` },
    writer: 'csv-ingest',
    reader: 'csv-train',
  });
  const sizeMiB = (streamBytes / MiB).toFixed(0);

  ctx.say(`TypeScript: warm-up, a ${WARMUP_BYTES / MiB} MiB round trip…`);
  await roundTrip(ctx, bench, tsCase(WARMUP_BYTES));
  benchSignal.throwIfAborted();
  ctx.say(`TypeScript: measuring a ${sizeMiB} MiB round trip in ${partBytes / MiB} MiB parts…`);
  const ts = await roundTrip(ctx, bench, tsCase(streamBytes));
  if (ts.output.bytesRead !== streamBytes)
    throw new Error(`read ${String(ts.output.bytesRead)} of ${streamBytes} bytes`);
  benchSignal.throwIfAborted();
  ctx.say(`Python: warm-up, a ${WARMUP_BYTES / MiB} MiB CSV round trip…`);
  await roundTrip(ctx, bench, pyCase(WARMUP_BYTES));
  benchSignal.throwIfAborted();
  ctx.say(`Python: measuring a ${sizeMiB} MiB CSV round trip (ingest writes it, train reads it)…`);
  const py = await roundTrip(ctx, bench, pyCase(streamBytes));
  if (py.output.rowsRead !== py.output.rows)
    throw new Error(`train read ${String(py.output.rowsRead)} of ${String(py.output.rows)} rows`);

  const growth = (trip: RoundTrip, fn: string) => trip.memory.find((m) => m.name === fn)!.growthMiB;
  const mbps = (ms: number, bytes = streamBytes) => round(bytes / 1e6 / (ms / 1000), 1);
  const csvBytes = (py.output.artifact as { size: number }).size;
  const metrics = {
    writeMBps: mbps(ts.step('blob-write').result.metrics.writeMs!),
    readMBps: mbps(ts.step('blob-read').result.metrics.readMs!),
    peakRssGrowthMiB: Math.max(...ts.memory.map((m) => m.growthMiB)),
    writerRssGrowthMiB: growth(ts, 'blob-write'),
    readerRssGrowthMiB: growth(ts, 'blob-read'),
    writeStepMs: round(ts.step('blob-write').ms, 0),
    readStepMs: round(ts.step('blob-read').ms, 0),
    pythonPeakRssGrowthMiB: Math.max(...py.memory.map((m) => m.growthMiB)),
    pythonIngestRssGrowthMiB: growth(py, 'csv-ingest'),
    pythonTrainRssGrowthMiB: growth(py, 'csv-train'),
    pythonGenerateMBps: mbps(py.step('csv-ingest').result.metrics.generateMs!, csvBytes),
    pythonUploadMBps: mbps(py.step('csv-ingest').result.metrics.uploadMs!, csvBytes),
    pythonDownloadMBps: mbps(py.step('csv-train').result.metrics.downloadMs!, csvBytes),
    pythonCsvReadMBps: mbps(py.step('csv-train').result.metrics.readMs!, csvBytes),
    pythonIngestStepMs: round(py.step('csv-ingest').ms, 0),
    pythonTrainStepMs: round(py.step('csv-train').ms, 0),
    pythonRows: py.output.rows as number,
    sizeMiB: round(streamBytes / MiB, 0),
  };
  ctx.say(
    `TypeScript: write ${metrics.writeMBps} MB/s, read ${metrics.readMBps} MB/s, RSS growth ${ts.memory.map((m) => `${m.name} +${m.growthMiB} MiB`).join(', ')}; Python: upload ${metrics.pythonUploadMBps} MB/s, download ${metrics.pythonDownloadMBps} MB/s, RSS growth ${py.memory.map((m) => `${m.name} +${m.growthMiB} MiB`).join(', ')}`,
  );
  const cpuNote = (trip: RoundTrip) =>
    `${trip.cpu.processes.map((p) => `${p.name} ${p.meanCores} (peak ${p.peakCores})`).join('; ')}; machine busy ${trip.cpu.machineBusyCores} of ${trip.cpu.cores}`;

  return {
    ...resultSkeleton(ctx, 'streaming', 'streaming a large artifact through MinIO, step to step', startedAt),
    config: { sizeBytes: streamBytes, partSizeBytes: partBytes, warmupBytes: WARMUP_BYTES },
    metrics,
    targets: [
      { metric: 'peakRssGrowthMiB', op: '<=', value: 64 },
      { metric: 'pythonPeakRssGrowthMiB', op: '<=', value: 64 },
    ],
    samples: {},
    details: { memory: ts.memory, cpu: ts.cpu, pythonMemory: py.memory, pythonCpu: py.cpu },
    notes: [
      'TypeScript (blob-write → blob-read): MB/s = 10^6 bytes per second, timed inside the handlers (`writeMs`, `readMs`); the step times (history: scheduled → completed) add Temporal and the HTTP call.',
      "RSS growth = peak − RSS before the run, of each function's wrapper process (node, or python for the Python case: where the bytes flow; the watchdog never sees them). The peak is the kernel's VmHWM, reset to VmRSS at the start (/proc/<pid>/clear_refs), and VmRSS sampled every 50 ms. Page cache (the temporary CSV files) is not RSS.",
      "putStream uploads one part at a time from one reused buffer of `partSizeBytes` and passes each part's size to the S3 client (uploadPart); the writer hashes while generating, the reader hashes while reading and fails on a size or sha256 mismatch.",
      `Python (csv-ingest → csv-train, the template's ArtifactStore): ingest writes a generated CSV of ${metrics.pythonRows} rows (${(csvBytes / MiB).toFixed(0)} MiB) (32 features and a label per row) to a temporary file a block of 2,000 rows at a time, then \`put_file\` hashes it and uploads it in 8 MiB parts one at a time (\`pythonUploadMBps\` covers both); train \`get_to_file\`s it in 1 MiB chunks, checking size and sha256 (\`pythonDownloadMBps\`), then reads it row by row with the csv module (\`pythonCsvReadMBps\`). minio-py's defaults (16 MiB parts, 3 in flight) held 80 MiB per upload; the template now sets one 8 MiB part at a time (template/baton-python/baton_step/s3_backend.py, test_minio_store.py measures it).`,
      `CPU over the round trip, in cores: TypeScript: ${cpuNote(ts)}. Python: ${cpuNote(py)}.`,
    ],
  };
}

/** Runs one writer → reader pipeline, watching both wrappers' memory and CPU. */
async function roundTrip(ctx: BenchContext, bench: BenchStack, trip: RoundTripCase): Promise<RoundTrip> {
  const wrapperOf = (fn: string) => {
    const replica = replicaProcesses(bench.stack, fn)[0];
    if (!replica) throw new Error(`the ${fn} function has no ready replica`);
    return replica.wrapper;
  };
  const sampler = new RssSampler({ [trip.writer]: wrapperOf(trip.writer), [trip.reader]: wrapperOf(trip.reader) });
  const cpuSampler = new CpuSampler({
    minio: [bench.stack.minio.process.child.pid!],
    [`${trip.writer} wrapper`]: [wrapperOf(trip.writer)],
    [`${trip.reader} wrapper`]: [wrapperOf(trip.reader)],
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
    const run = await triggerRun(bench.stack, { pipeline: trip.pipeline, input: trip.input });
    const output = (await bench.client.workflow.getHandle(run.runId).result()) as Record<string, unknown>;
    const memory = sampler.stop();
    const cpu = cpuSampler.stop();
    const timing = await runTiming(bench.client, run.runId);
    return {
      step: (id) => {
        const step = timing.steps.find((s) => s.activityId === id)!;
        return {
          result: step.result as { metrics: Record<string, number> },
          ms: step.completedMs - step.scheduledMs,
        };
      },
      output,
      memory,
      cpu,
    };
  } finally {
    clearInterval(ticker);
    sampler.stop(); // stops its timer (again, when the run went well)
    cpuSampler.stop();
  }
}
