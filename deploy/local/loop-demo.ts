/**
 * `npm run demo:loop`: the closed loop on the local stack. An iris model learns from a CSV that an external server
 * publishes; a data-change watch on that CSV trains it, and a schedule runs `monitor-model` (triggered now rather than
 * waited for). Callers use `predict`, and their true labels come back as feedback. Then the world shifts: petal
 * lengths grow in what callers send and in the data the owner publishes. The monitor reports drift, starts the
 * model's retraining (BatonTrigger = 'drift') on the latest data, the model's rules promote it, and `predict` serves
 * the new version. The watch sees the new CSV at its next poll and starts exactly one run for it.
 */
import { readFileSync } from 'node:fs';
import { Client as MinioClient } from 'minio';
import { getModelMonitoring, setModelPolicy } from '../../cli/api/models-client.ts';
import { listRuns, predict, sendFeedback, waitForRun, type BatonApi } from '../../cli/api/run-client.ts';
import { createSchedule, triggerSchedule } from '../../cli/api/schedules-client.ts';
import { createWatch, getWatch } from '../../cli/api/watches-client.ts';
import { stepLine } from '../../cli/format.ts';
import { demoPredictKey } from './demo.ts';
import type { DemoDataServer } from './demo-data-server.ts';
import type { LocalStack } from './stack.ts';

const MODEL = 'iris-loop';
const CSV = 'iris.csv';
const WATCH_ID = 'iris-loop-data';
const SCHEDULE_ID = 'iris-loop-monitor';
/** How far petal lengths move when the world shifts (cm; iris petals are 1–7 cm). */
const SHIFT = 3;
const IRIS = readFileSync(new URL('demo-data/iris.csv', import.meta.url), 'utf8');

/** The iris table with `shift` added to petal_length: as CSV, as predict rows, and the labels. */
function iris(shift: number): { csv: string; rows: number[][]; labels: string[] } {
  const [header, ...lines] = IRIS.trimEnd().split('\n');
  const cells = lines.map((line) => line.split(','));
  for (const row of cells) row[2] = String(Number(row[2]) + shift);
  return {
    csv: `${[header, ...cells.map((row) => row.join(','))].join('\n')}\n`,
    rows: cells.map((row) => row.slice(0, 4).map(Number)),
    labels: cells.map((row) => row[4]!),
  };
}

/** Runs the loop demo; true when a drift retraining was promoted and predict serves it. */
export async function runLoopDemo(
  stack: LocalStack,
  data: DemoDataServer,
  say: (line: string) => void,
): Promise<boolean> {
  const follow = async (runId: string, what: string) => {
    say(`loop: ${what}: run ${runId}`);
    const view = await waitForRun(stack, runId, { onStep: (step) => say(`  ${stepLine(step, 16)}`) });
    if (view.status !== 'completed') throw new Error(`${what} ${view.status}: ${view.error?.message ?? ''}`);
    return view.result;
  };
  data.publish(CSV, iris(0).csv);
  const source = { kind: 'csv', name: MODEL, path: CSV, target: 'species' };

  // 1. A watch on the CSV trains the first version (its first data version starts a run too).
  await createWatch(stack, {
    watchId: WATCH_ID,
    pipeline: 'train-classifier',
    input: { source, modelName: MODEL },
    source: { kind: 'csv', path: CSV },
    interval: '10m',
    runOnFirstVersion: true,
  });
  say(`loop: watch ${WATCH_ID} polls ${data.url}${CSV} every 10 minutes`);
  const first = await waitFor(
    async () => (await getWatch(stack, WATCH_ID)).lastRun?.workflowId,
    'the watch starts a run',
  );
  const v1 = ((await follow(first, 'data-change training')) as { model: { version: string } }).model.version;
  await setModelPolicy(stack, MODEL, { rules: { mustBeatProduction: false }, reason: 'the latest data wins' });
  say(`loop: ${MODEL} version ${v1} is in production; its policy: a retraining need not beat production`);

  // 2. A schedule runs monitor-model every hour.
  await createSchedule(stack, {
    scheduleId: SCHEDULE_ID,
    pipeline: 'monitor-model',
    input: { modelName: MODEL, windowHours: 1 },
    spec: { intervals: [{ every: '1h' }] },
  });
  say(`loop: schedule ${SCHEDULE_ID} runs monitor-model hourly`);
  const caller = { gatewayUrl: stack.gatewayUrl, token: await demoPredictKey(stack) };
  const logs = inferenceLogs(stack);

  // 3. Callers as usual: no drift.
  const usual = iris(0);
  await serve(caller, usual.rows, usual.labels, logs);
  const calm = await monitorNow(stack, follow);
  say(`loop: monitor-model on usual traffic: ${calm.drift.reason} (live accuracy ${calm.accuracy.live?.toFixed(2)})`);

  // 4. The world shifts: what callers send, and the data the owner publishes.
  const shifted = iris(SHIFT);
  data.publish(CSV, shifted.csv);
  say(`loop: drift injected: petal_length + ${SHIFT} cm in callers' rows and in the published CSV`);
  await serve(caller, shifted.rows, shifted.labels, logs);
  const drifted = await monitorNow(stack, follow);
  say(`loop: monitor-model: ${drifted.drift.reason}; retraining: ${JSON.stringify(drifted.retraining)}`);
  if (!drifted.retraining.started || !drifted.retraining.workflowId) return false;
  const retrained = (await follow(drifted.retraining.workflowId, 'drift retraining')) as {
    model: { version: string };
    promotion?: { promoted: boolean; reasons: string[] };
  };
  say(
    `loop: promotion: ${retrained.promotion?.promoted ? 'promoted' : 'not promoted'} (${retrained.promotion?.reasons.join('; ')})`,
  );
  const answer = await predict(caller, { model: MODEL, rows: shifted.rows.slice(0, 1) });
  say(`loop: predict serves ${MODEL} version ${answer.model.version} (was ${v1})`);
  const monitoring = await getModelMonitoring(stack, MODEL);
  for (const point of monitoring.history)
    say(
      `  window to ${point.windowEnd}: ${point.samples} rows, drift ${point.drift?.toFixed(3)}, live accuracy ${point.liveAccuracy?.toFixed(2)}`,
    );
  say('loop: the watch starts one run for the new CSV at its next poll (the same data: the same model version)');
  return answer.model.version === retrained.model.version && answer.model.version !== v1;
}

interface MonitorResult {
  drift: { reason: string; detected: boolean };
  accuracy: { live: number | null };
  retraining: { started: boolean; workflowId?: string; reason?: string };
}

/** Triggers the monitor schedule now and follows the run it starts. */
async function monitorNow(
  stack: LocalStack,
  follow: (runId: string, what: string) => Promise<unknown>,
): Promise<MonitorResult> {
  const query = "BatonPipeline = 'monitor-model'";
  const before = new Set((await listRuns(stack, { query })).map((run) => run.runId));
  await triggerSchedule(stack, SCHEDULE_ID);
  const runId = await waitFor(
    async () => (await listRuns(stack, { query })).find((run) => !before.has(run.runId))?.runId,
    'the schedule starts monitor-model',
  );
  return (await follow(runId, 'scheduled monitor-model')) as MonitorResult;
}

/** Counts what predict's inference log holds of MODEL (records under `inference-log/`, labels under feedback). */
function inferenceLogs(stack: LocalStack): (prefix: 'inference-log' | 'inference-feedback') => Promise<number> {
  const minio = new MinioClient({
    endPoint: new URL(stack.minioUrl).hostname,
    port: Number(new URL(stack.minioUrl).port),
    useSSL: false,
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
  return async (prefix) => {
    let lines = 0;
    for await (const item of minio.listObjectsV2('baton-artifacts', `${prefix}/${MODEL}/`, true)) {
      if (!item.name) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await minio.getObject('baton-artifacts', item.name)) chunks.push(chunk as Buffer);
      lines += Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).length;
    }
    return lines;
  };
}

/** Sends rows to predict ten per request, then each request's true labels; waits until the log holds them all. */
async function serve(
  caller: BatonApi,
  rows: number[][],
  labels: string[],
  stored: ReturnType<typeof inferenceLogs>,
): Promise<void> {
  const expected = { log: await stored('inference-log'), feedback: await stored('inference-feedback') };
  let requests = 0;
  for (let start = 0; start < rows.length; start += 10, requests += 1) {
    const answer = await predict(caller, { model: MODEL, rows: rows.slice(start, start + 10) });
    await sendFeedback(caller, { model: MODEL, requestId: answer.requestId!, labels: labels.slice(start, start + 10) });
  }
  await waitFor(
    async () =>
      (await stored('inference-log')) >= expected.log + requests &&
      (await stored('inference-feedback')) >= expected.feedback + requests,
    "predict's inference log holds every request and its feedback",
  );
}

/** Polls `attempt` each half second until it gives a value; fails naming `what` after two minutes. */
async function waitFor<T>(attempt: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await attempt();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
