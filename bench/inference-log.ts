/**
 * `inference-log`: what predict's inference log costs a call. Two deployments of the same predict code serve one
 * model: `predict` with the log on (every call logged, `inference_log_sample_rate` = 1) and `predict-unlogged` with it
 * off (bench/fixtures/stack.yml). The same calls go to both in on/off pairs (which goes first alternates), through the
 * gateway (as people call predict) and straight to each replica's wrapper (less noise: the handler's share shows),
 * with 1 row and with 100 rows per call; the cases rotate every round. Overhead = the median of the pairs'
 * differences; the ratio = median(on) / median(off). The request path's share alone is also timed in-process
 * (offer_cost.py). After the rounds, the records in the bucket are counted: the log must have written every logged
 * call (the writer is off the request path, not off the job).
 */
import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Client as MinioClient } from 'minio';
import { repoRoot } from '../deploy/local/stack-config.ts';
import { createKey } from '../cli/api/keys-client.ts';
import { triggerRun, waitForRun } from '../cli/api/run-client.ts';
import { resultSkeleton, roundsOf, type BenchContext } from './support/bench-context.ts';
import { replicaProcesses, type BenchStack } from './support/bench-stack.ts';
import { benchSignal } from './support/lifecycle.ts';
import { environmentOf } from './support/procfs.ts';
import type { BenchResult } from './support/results.ts';
import { median, round, summarize, type Summary } from './support/stats.ts';

const run = promisify(execFile);
const MODEL = 'bench-inference-log';
const PAIRS_PER_ROUND = 20;
const SIZES = [1, 100] as const;
const PATHS = ['gateway', 'wrapper'] as const;
/** predict's flush interval (stack.yml) plus room for the upload. */
const FLUSH_WAIT_MS = 8_000;
type Path = (typeof PATHS)[number];
type Case = { path: Path; rows: number };
const CASES: Case[] = PATHS.flatMap((path) => SIZES.map((rows) => ({ path, rows })));
const nameOf = (c: Case) => `${c.path}${c.rows}Row`;

/** Runs the benchmark on the bench stack. */
export async function runInferenceLog(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const { rounds, warmup } = roundsOf(ctx.options);
  const bench = ctx.stack!;
  ctx.say('training the model both deployments serve…');
  await trainModel(bench);
  const key = (await createKey(bench.stack, 'bench-inference-log', ['viewer'])).key;
  const urls = endpoints(bench);
  const rowsOf = (n: number) =>
    Array.from({ length: n }, (_, i) => [4.8 + (i % 10) * 0.2, 3.1, 1.4 + (i % 7) * 0.7, 0.2]);
  const bodies = new Map<number, string>(
    SIZES.map((n) => [n, JSON.stringify({ input: { model: MODEL, rows: rowsOf(n) } })]),
  );

  // Calls alternate on/off in pairs (which goes first alternates too): a burst of load on this shared machine hits
  // both sides of a pair, and the median of the pairs' differences keeps little of it.
  const on: Record<string, number[]> = {};
  const off: Record<string, number[]> = {};
  const diff: Record<string, number[]> = {};
  let loggedCalls = 0;
  for (let n = -warmup; n < rounds; n++) {
    benchSignal.throwIfAborted();
    const order = CASES.map((_, i) => CASES[(i + n + warmup) % CASES.length]!);
    for (const c of order) {
      const body = bodies.get(c.rows)!;
      for (let k = 0; k < PAIRS_PER_ROUND; k++) {
        const onFirst = (k + n) % 2 === 0;
        const first = await timedCall(urls[c.path][onFirst ? 'on' : 'off'], body, key);
        const second = await timedCall(urls[c.path][onFirst ? 'off' : 'on'], body, key);
        const [withLog, without] = onFirst ? [first, second] : [second, first];
        loggedCalls++;
        if (n < 0) continue;
        (on[nameOf(c)] ??= []).push(withLog);
        (off[nameOf(c)] ??= []).push(without);
        (diff[nameOf(c)] ??= []).push(withLog - without);
      }
    }
    if (n >= 0 && (n === 0 || (n + 1) % 10 === 0)) ctx.say(`round ${n + 1}/${rounds}`);
  }

  ctx.say(`waiting ${FLUSH_WAIT_MS / 1000}s for the last flush, then counting the records…`);
  await new Promise((resolve) => setTimeout(resolve, FLUSH_WAIT_MS));
  const records = await countRecords(bench);
  const inProcess = await offerCost(bench);

  const metrics: Record<string, number> = {};
  for (const c of CASES) {
    const name = nameOf(c);
    metrics[`${name}LogOnP50Ms`] = round(median(on[name]!));
    metrics[`${name}LogOffP50Ms`] = round(median(off[name]!));
    metrics[`${name}OverheadP50Ms`] = round(median(diff[name]!));
    metrics[`${name}RatioP50`] = round(median(on[name]!) / median(off[name]!), 3);
  }
  Object.assign(metrics, inProcess);
  metrics.recordsLogged = records;
  metrics.recordsExpected = loggedCalls;
  const samples: Record<string, Summary> = {};
  for (const c of CASES) {
    samples[`${nameOf(c)}LogOnMs`] = summarize(on[nameOf(c)]!);
    samples[`${nameOf(c)}LogOffMs`] = summarize(off[nameOf(c)]!);
    samples[`${nameOf(c)}PairDiffMs`] = summarize(diff[nameOf(c)]!);
  }
  return {
    ...resultSkeleton(ctx, 'inference-log', "Per-call cost of predict's inference log (log on vs off)", startedAt),
    config: {
      pairsPerRound: PAIRS_PER_ROUND,
      rounds,
      warmupRounds: warmup,
      rowsPerCall: [...SIZES],
      order: 'pairs on/off alternating, cases rotated every round',
    },
    metrics,
    targets: [
      { metric: 'wrapper1RowOverheadP50Ms', op: '<=', value: 1 },
      { metric: 'gateway1RowOverheadP50Ms', op: '<=', value: 1 },
      { metric: 'wrapper100RowOverheadP50Ms', op: '<=', value: 2 },
    ],
    samples,
    details: {},
    notes: [
      "Two deployments of the same predict code on the same stack: `predict` logs every call, `predict-unlogged` has inference_log_sample_rate=0 (bench/fixtures/stack.yml). Each call is timed from the request to the whole answer by the bench process; calls go in on/off pairs, and <case>OverheadP50Ms is the median of the pairs' differences.",
      "gateway: through the local gateway and the watchdog, as people call predict; wrapper: straight to the replica's wrapper (waitress), so the handler's share shows with less noise.",
      'offer<N>RowUs (in-process, bench/support/offer_cost.py): what a logged call adds on the request path — draw the sample, stamp the time, build the record, put it on the bounded queue. serialise<N>RowUs: the JSON of one record, done later by the writer thread (it holds the GIL meanwhile, so under CPU saturation it competes with calls).',
      'recordsLogged counts the lines in the bucket under inference-log/ after the last flush; recordsExpected is every logged call, warm-up included: equal means nothing was dropped.',
    ],
  };
}

/** offer_cost.py's medians (µs), run with the project's virtualenv. */
async function offerCost(bench: BenchStack): Promise<Record<string, number>> {
  const { stdout } = await run(bench.tools.python, [join(repoRoot, 'bench/support/offer_cost.py')], {
    env: {
      ...process.env,
      PYTHONPATH: [join(repoRoot, 'template/baton-python'), join(repoRoot, 'functions/predict')].join(delimiter),
    },
    timeout: 300_000,
  });
  return JSON.parse(stdout) as Record<string, number>;
}

async function trainModel(bench: BenchStack): Promise<void> {
  const run = await triggerRun(bench.stack, {
    pipeline: 'train-classifier',
    input: { dataset: 'iris', model: { type: 'logistic_regression', params: {} }, modelName: MODEL },
  });
  const view = await waitForRun(bench.stack, run.runId, { timeoutMs: 300_000 });
  if (view.status !== 'completed')
    throw new Error(`training ${MODEL} ended ${view.status}: ${JSON.stringify(view.error)}`);
}

/** Where each variant's calls go: the gateway's route, or the function's one replica's wrapper port. */
function endpoints(bench: BenchStack): Record<Path, Record<'on' | 'off', string>> {
  const wrapper = (fn: string) => {
    const replica = replicaProcesses(bench.stack, fn)[0];
    if (!replica) throw new Error(`${fn} has no ready replica`);
    return `http://127.0.0.1:${environmentOf(replica.wrapper, 'http_port')}/`;
  };
  return {
    gateway: {
      on: `${bench.stack.gatewayUrl}/function/predict`,
      off: `${bench.stack.gatewayUrl}/function/predict-unlogged`,
    },
    wrapper: { on: wrapper('predict'), off: wrapper('predict-unlogged') },
  };
}

/** One predict call as people make it (viewer key); its wall time in ms. */
async function timedCall(url: string, body: string, key: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return ms;
}

/** Lines under inference-log/<MODEL>/ in the bucket. */
async function countRecords(bench: BenchStack): Promise<number> {
  const minio = new MinioClient({
    endPoint: '127.0.0.1',
    port: Number(new URL(bench.stack.minioUrl).port),
    useSSL: false,
    accessKey: bench.stack.secrets.s3AccessKey,
    secretKey: bench.stack.secrets.s3SecretKey,
  });
  let lines = 0;
  for await (const item of minio.listObjectsV2('baton-artifacts', `inference-log/${MODEL}/`, true)) {
    if (!item.name) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject('baton-artifacts', item.name)) chunks.push(chunk as Buffer);
    lines += Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).length;
  }
  return lines;
}
