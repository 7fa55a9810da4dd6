/**
 * `load`: realistic load. `--runs` (default 500) runs of the demo pipeline's shape (bench-load: seven steps, four
 * Python then three TypeScript, each sleeping 20–200 ms) triggered through the API at an even pace over
 * `--within-seconds` (default 60). Reported: run latency p50/p99, steps/s, CPU per component, the orchestrator's peak
 * RSS, history weight per run, where a step's time goes under load (to find the first bottleneck), and the
 * exactly-once checks: every run accepted under its own workflow id, completed, and executed once, every step's
 * effect present, and no call served twice (the functions log each call id).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { triggerRun } from '../cli/api/run-client.ts';
import { loadSteps } from './fixtures/workflows/load-steps.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { replicaProcesses, stackProcesses, type BenchStack } from './support/bench-stack.ts';
import { coresMetrics, CpuSampler, type CpuReport } from './support/cpu-sampler.ts';
import { checkEffects } from './support/effects.ts';
import { handlerMsOf, runTiming, type RunTiming } from './support/history.ts';
import { benchSignal } from './support/lifecycle.ts';
import { ReplicaRssSampler } from './support/replica-rss.ts';
import type { BenchResult } from './support/results.ts';
import { quantile, round, summarize } from './support/stats.ts';

const PIPELINE = 'bench-load';
const WORKFLOW_TYPE = 'benchLoad';
const STEP_NAMES = loadSteps.map((step) => step.name);
const WARMUP_RUNS = 5;
/** How long after the last trigger runs may take to close before the rest count as stuck. */
const DRAIN_TIMEOUT_MS = 10 * 60_000;
/** Runs awaited (result) and histories read at once: enough to keep up, few enough not to load the server. */
const READ_CONCURRENCY = 20;

/** One triggered run: when the API was called and answered, and under which id (undefined when refused). */
interface Triggered {
  index: number;
  sleepsMs: number[];
  sentMs: number;
  acceptedMs: number;
  workflowId?: string;
  error?: string;
}

/** Runs the benchmark on the bench stack. */
export async function runLoad(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const bench = ctx.stack!;
  const { loadRuns: runs, loadWithinSeconds: within } = ctx.options;
  const effectsDir = await mkdtemp(join(tmpdir(), 'baton-bench-effects-'));
  try {
    ctx.say(`warm-up: ${WARMUP_RUNS} runs…`);
    const warm = await Promise.all(
      Array.from({ length: WARMUP_RUNS }, (_, i) => trigger(bench, i, sleepsOf(runs + i), '', Date.now())),
    );
    await Promise.all(warm.map((run) => bench.client.workflow.getHandle(run.workflowId!).result()));
    benchSignal.throwIfAborted();

    const cpu = new CpuSampler(() => stackProcesses(bench.stack, ['baton', 'sleep-py', 'sleep-ts']));
    const orchestratorRss = new ReplicaRssSampler(() => replicaProcesses(bench.stack, 'baton').map((r) => r.wrapper));
    const windowStart = new Date();
    cpu.start();
    orchestratorRss.start();
    ctx.say(`triggering ${runs} runs over ${within} s…`);
    const { triggered, closed, failed, stuck } = await triggerAndDrain(ctx, bench, runs, within, effectsDir);
    const cpuReport = cpu.stop();
    const rss = orchestratorRss.stop();
    const accepted = triggered.filter((run) => run.workflowId);
    ctx.say(`${closed.size} runs completed, ${failed.length} failed, ${stuck.length} stuck; reading histories…`);

    const timings = await mapLimit(
      accepted.filter((run) => closed.has(run.workflowId!)),
      READ_CONCURRENCY,
      async (run) => ({ run, timing: await runTiming(bench.client, run.workflowId!) }),
    );
    const executions = await executionsSince(bench, windowStart);
    const effects = await checkEffects(
      effectsDir,
      accepted.map((run) => run.workflowId!),
      STEP_NAMES,
    );
    return report(ctx, startedAt, {
      runs,
      within,
      triggered,
      timings,
      failed,
      stuck,
      executions,
      effects,
      cpu: cpuReport,
      rss,
    });
  } finally {
    await rm(effectsDir, { recursive: true, force: true });
  }
}

/** Deterministic sleeps of run `index`: 20–200 ms per step, spread over the range (a multiplicative hash). */
export function sleepsOf(index: number): number[] {
  return STEP_NAMES.map((_, step) => 20 + ((((index + 1) * 2654435761 + (step + 1) * 40503) >>> 0) % 181));
}

async function trigger(
  bench: BenchStack,
  index: number,
  sleepsMs: number[],
  effectsDir: string,
  sentMs: number,
): Promise<Triggered> {
  try {
    const run = await triggerRun(bench.stack, { pipeline: PIPELINE, input: { sleepsMs, effectsDir } });
    return { index, sleepsMs, sentMs, acceptedMs: Date.now(), workflowId: run.workflowId };
  } catch (error) {
    return { index, sleepsMs, sentMs, acceptedMs: Date.now(), error: (error as Error).message };
  }
}

/**
 * Triggers `runs` runs at an even pace over `within` s, and follows each from its acceptance until it closes (or the
 * drain, DRAIN_TIMEOUT_MS once the last is triggered, times out), so the progress line counts completions as they come.
 */
async function triggerAndDrain(ctx: BenchContext, bench: BenchStack, runs: number, within: number, effectsDir: string) {
  const closed = new Map<string, number>();
  const failed: string[] = [];
  const stuck: string[] = [];
  const triggers: Promise<Triggered>[] = [];
  const follows: Promise<void>[] = [];
  let drainOver = false;
  let endDrain = () => {};
  const drainEnded = new Promise<'stuck'>((resolve) => {
    endDrain = () => {
      drainOver = true;
      resolve('stuck');
    };
  });
  const follow = limited(READ_CONCURRENCY, async (id: string) => {
    if (drainOver) return void stuck.push(id);
    try {
      const outcome = await Promise.race([bench.client.workflow.getHandle(id).result(), drainEnded]);
      if (outcome === 'stuck') stuck.push(id);
      else closed.set(id, Date.now());
    } catch {
      failed.push(id);
    }
  });
  const start = performance.now();
  const ticker = setInterval(
    () =>
      ctx.say(
        `  ${((performance.now() - start) / 1000).toFixed(0)} s: ${triggers.length}/${runs} triggered, ${closed.size} completed, ${failed.length} failed`,
      ),
    5000,
  );
  let drainTimer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < runs; i++) {
      benchSignal.throwIfAborted();
      const due = start + (i * within * 1000) / runs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Not awaited: the pace holds even when the API answers slowly (its latency is measured per call).
      const triggering = trigger(bench, i, sleepsOf(i), effectsDir, Date.now());
      triggers.push(triggering);
      follows.push(triggering.then((run) => (run.workflowId ? follow(run.workflowId) : undefined)));
    }
    const triggered = await Promise.all(triggers);
    drainTimer = setTimeout(endDrain, DRAIN_TIMEOUT_MS);
    await Promise.all(follows);
    return { triggered, closed, failed, stuck };
  } finally {
    clearInterval(ticker);
    clearTimeout(drainTimer);
    endDrain(); // on an abort, the runs still followed stop waiting
  }
}

/** How many executions visibility lists per workflow id of this pipeline, started since `since`. */
async function executionsSince(bench: BenchStack, since: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND StartTime >= '${since.toISOString()}'`;
  for await (const execution of bench.client.workflow.list({ query }))
    counts.set(execution.workflowId, (counts.get(execution.workflowId) ?? 0) + 1);
  return counts;
}

/** Runs `fn` over `items`, at most `limit` at once; results in order. */
function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  return Promise.all(items.map(limited(limit, fn)));
}

/** `fn`, of which at most `limit` calls run at once; the calls beyond wait for a free turn, in order. */
function limited<T, R>(limit: number, fn: (item: T) => Promise<R>): (item: T) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (item) => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // handed the turn of a call that ended
    try {
      return await fn(item);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Everything the result is made of. */
interface Measured {
  runs: number;
  within: number;
  triggered: Triggered[];
  timings: { run: Triggered; timing: RunTiming }[];
  failed: string[];
  stuck: string[];
  executions: Map<string, number>;
  effects: Awaited<ReturnType<typeof checkEffects>>;
  cpu: CpuReport;
  rss: ReturnType<ReplicaRssSampler['stop']>;
}

/** Where the time of one step goes, in ms: the parts add up to the run's latency with the sleeps. */
interface StepParts {
  /** Previous step completed (or run started) → this step scheduled: the orchestrator's workflow task. */
  workflowTask: number;
  /** Scheduled → started: the activity waiting in the task queue for a worker slot. */
  queued: number;
  /** Started → completed minus the handler's own time: the invoke activity, gateway, watchdog and wrapper. */
  callPath: number;
  /** The handler's time minus its sleep: a step waiting inside its function (threads, GIL, event loop). */
  inFunction: number;
}

function stepParts(run: Triggered, timing: RunTiming): StepParts[] {
  return timing.steps.map((step, k) => {
    const previous = k === 0 ? timing.startedMs : timing.steps[k - 1]!.completedMs;
    const handlerMs = handlerMsOf(step.result);
    return {
      workflowTask: step.scheduledMs - previous,
      queued: step.startedMs - step.scheduledMs,
      callPath: step.completedMs - step.startedMs - handlerMs,
      inFunction: handlerMs - run.sleepsMs[STEP_NAMES.indexOf(step.activityId)]!,
    };
  });
}

function report(ctx: BenchContext, startedAt: Date, m: Measured): BenchResult {
  const accepted = m.triggered.filter((run) => run.workflowId);
  const ids = accepted.map((run) => run.workflowId!);
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const p = (values: number[], q: number) => round(quantile(sorted(values), q), 1);
  const latencyMs = m.timings.map(({ run, timing }) => timing.closedMs - run.sentMs);
  const overheadMs = m.timings.map(
    ({ run, timing }) => timing.closedMs - run.sentMs - run.sleepsMs.reduce((sum, ms) => sum + ms, 0),
  );
  const acceptMs = accepted.map((run) => run.acceptedMs - run.sentMs);
  const steps = m.timings.flatMap(({ timing }) => timing.steps);
  const completions = sorted(steps.map((step) => step.completedMs));
  const low = Math.floor(completions.length * 0.1);
  const high = Math.floor(completions.length * 0.9);
  const firstStart = Math.min(...m.timings.map(({ timing }) => timing.startedMs));
  const triggerSpanS = (Math.max(...m.triggered.map((run) => run.sentMs)) - m.triggered[0]!.sentMs) / 1000;
  const parts = m.timings.flatMap(({ run, timing }) => stepParts(run, timing));
  const part = (name: keyof StepParts) => parts.map((x) => x[name]);
  const duplicateExecutions = [...m.executions.values()].filter((count) => count > 1).length;
  const stepsPerRun = m.timings.map(({ timing }) => timing.steps.length);
  const wrongStepCount = stepsPerRun.filter((count) => count !== STEP_NAMES.length).length;
  const retriedInHistory = steps.filter((step) => step.attempt > 1).length;
  const cpuMsPerStep = Object.fromEntries(
    m.cpu.processes.map((proc) => [proc.name, round((proc.meanCores * m.cpu.wallSeconds * 1000) / steps.length, 2)]),
  );
  const waits: [string, number, number][] = (
    [
      ['the trigger API (POST /runs answered)', acceptMs],
      ['workflow tasks (a step done → the next scheduled)', part('workflowTask')],
      ['the activity task queue (scheduled → started)', part('queued')],
      ['the call path (invoke activity, gateway, watchdog, wrapper)', part('callPath')],
      ['inside the functions (handler time beyond its sleep)', part('inFunction')],
    ] as [string, number[]][]
  ).map(([name, values]) => [name, p(values, 0.5), p(values, 0.99)]);
  const worstWait = [...waits].sort((a, b) => b[2] - a[2])[0]!;
  const busiest = m.cpu.processes[0]!;
  const saturated = m.cpu.machineBusyCores >= 0.9 * m.cpu.cores;

  const metrics: Record<string, number> = {
    runsTriggered: m.triggered.length,
    runsAccepted: accepted.length,
    runsRejected: m.triggered.length - accepted.length,
    runsCompleted: m.timings.length,
    runsFailed: m.failed.length,
    runsStuck: m.stuck.length,
    triggerSpanS: round(triggerSpanS, 1),
    latencyP50Ms: p(latencyMs, 0.5),
    latencyP99Ms: p(latencyMs, 0.99),
    latencyMaxMs: p(latencyMs, 1),
    overheadP50Ms: p(overheadMs, 0.5),
    overheadP99Ms: p(overheadMs, 0.99),
    triggerAcceptP50Ms: p(acceptMs, 0.5),
    triggerAcceptP99Ms: p(acceptMs, 0.99),
    stepsPerSecond: round((high - low) / ((completions[high]! - completions[low]!) / 1000), 1),
    stepsPerSecondOverall: round(completions.length / ((completions.at(-1)! - firstStart) / 1000), 1),
    workflowTaskP50Ms: p(part('workflowTask'), 0.5),
    workflowTaskP99Ms: p(part('workflowTask'), 0.99),
    queuedP50Ms: p(part('queued'), 0.5),
    queuedP99Ms: p(part('queued'), 0.99),
    callPathP50Ms: p(part('callPath'), 0.5),
    callPathP99Ms: p(part('callPath'), 0.99),
    inFunctionP50Ms: p(part('inFunction'), 0.5),
    inFunctionP99Ms: p(part('inFunction'), 0.99),
    orchestratorPeakRssMiB: m.rss.peakMiB,
    orchestratorRssBeforeMiB: m.rss.beforeMiB,
    orchestratorPeakTotalRssMiB: m.rss.peakTotalMiB,
    orchestratorReplicasAtOnce: m.rss.replicasAtOnce,
    historyBytesPerRunP50: p(
      m.timings.map(({ timing }) => timing.bytes),
      0.5,
    ),
    historyEventsPerRunP50: p(
      m.timings.map(({ timing }) => timing.events),
      0.5,
    ),
    duplicateWorkflowIds: ids.length - new Set(ids).size,
    duplicateExecutions,
    runsNotListedOnce: ids.filter((id) => m.executions.get(id) !== 1).length,
    runsWithWrongStepCount: wrongStepCount,
    duplicateEffects: m.effects.duplicateCallIds.length,
    missingEffects: m.effects.missing.length,
    retriedSteps: retriedInHistory,
    effectsLogged: m.effects.calls,
    machineBusyCores: m.cpu.machineBusyCores,
    otherProcessesCores: m.cpu.otherCores,
    ...coresMetrics(m.cpu),
  };
  const exactlyOnce =
    accepted.length === m.runs &&
    m.timings.length === m.runs &&
    metrics.duplicateWorkflowIds === 0 &&
    duplicateExecutions === 0 &&
    metrics.runsNotListedOnce === 0 &&
    wrongStepCount === 0 &&
    metrics.duplicateEffects === 0 &&
    metrics.missingEffects === 0;
  metrics.exactlyOnceViolations = exactlyOnce ? 0 : 1;
  ctx.say(
    `latency p50 ${metrics.latencyP50Ms} ms, p99 ${metrics.latencyP99Ms} ms; ${metrics.stepsPerSecond} steps/s; orchestrator peak RSS ${m.rss.peakMiB} MiB; exactly once: ${exactlyOnce ? 'yes' : 'NO'}`,
  );

  return {
    ...resultSkeleton(ctx, 'load', `${m.runs} runs of the demo pipeline's shape within ${m.within} s`, startedAt),
    config: {
      runs: m.runs,
      withinSeconds: m.within,
      pipeline: `${PIPELINE}: ${loadSteps.map((step) => `${step.name} (${step.function})`).join(', ')}`,
      sleepsMs: '20–200 per step, fixed per run and step',
      warmupRuns: WARMUP_RUNS,
      replicas: 'sleep-py 1 (max_inflight 64), sleep-ts 1; the orchestrator as stack.yml scales it (1–4)',
    },
    metrics,
    targets: [
      { metric: 'exactlyOnceViolations', op: '<=', value: 0 },
      { metric: 'duplicateEffects', op: '<=', value: 0 },
    ],
    samples: {
      latencyMs: summarize(latencyMs),
      overheadMs: summarize(overheadMs),
      triggerAcceptMs: summarize(acceptMs),
      workflowTaskMs: summarize(part('workflowTask')),
      queuedMs: summarize(part('queued')),
      callPathMs: summarize(part('callPath')),
      inFunctionMs: summarize(part('inFunction')),
      historyBytesPerRun: summarize(m.timings.map(({ timing }) => timing.bytes)),
      historyEventsPerRun: summarize(m.timings.map(({ timing }) => timing.events)),
    },
    details: {
      cpu: m.cpu,
      cpuMsPerStep,
      orchestratorRss: m.rss,
      waits: Object.fromEntries(waits.map(([name, p50, p99]) => [name, { p50, p99 }])),
      rejected: m.triggered.filter((run) => run.error).map((run) => ({ index: run.index, error: run.error })),
      failed: m.failed,
      stuck: m.stuck,
      duplicateCallIds: m.effects.duplicateCallIds.slice(0, 20),
      missingEffects: m.effects.missing.slice(0, 20),
      retriedSteps: m.effects.retriedSteps.slice(0, 20),
    },
    notes: [
      `Runs are triggered through the API (POST /function/baton/runs) at an even pace, one every ${round((m.within * 1000) / m.runs, 0)} ms (the triggers took ${round(triggerSpanS, 1)} s), each with its own sleeps (20–200 ms per step, ${STEP_NAMES.length} steps, about 770 ms of sleep per run). Latency = the API call sent → the run closed (Temporal's close time); overhead = latency minus the run's sleeps. \`stepsPerSecond\` = steps completed between the 10th and 90th percentile completion times / that span; \`*Overall\` = all steps / (first start → last step done).`,
      `Exactly once: ${accepted.length} of ${m.runs} runs accepted, ${m.timings.length} completed, ${m.failed.length} failed, ${m.stuck.length} stuck; workflow ids unique: ${metrics.duplicateWorkflowIds === 0 ? 'yes' : 'NO'}; executions per workflow id in visibility: ${duplicateExecutions === 0 && metrics.runsNotListedOnce === 0 ? 'exactly one each' : `${duplicateExecutions} ids with more than one, ${metrics.runsNotListedOnce} not listed exactly once`}; each run's history holds ${wrongStepCount === 0 ? 'its 7 completed steps' : `a wrong step count in ${wrongStepCount} runs`}. Effects: ${m.effects.calls} calls logged by the functions (one line per call, keyed by X-Call-Id), ${m.effects.duplicateCallIds.length} call ids served twice, ${m.effects.missing.length} steps with no effect, ${m.effects.retriedSteps.length} steps served by more than one attempt (${retriedInHistory} completed on a retry in the histories).`,
      `CPU over the window (${m.cpu.wallSeconds} s), in cores (the machine has ${m.cpu.cores}): ${m.cpu.processes.map((proc) => `${proc.name} ${proc.meanCores} (peak ${proc.peakCores})`).join('; ')}; machine busy ${m.cpu.machineBusyCores}, of which ${m.cpu.otherCores} by processes outside the stack. CPU ms per step: ${Object.entries(
        cpuMsPerStep,
      )
        .map(([name, ms]) => `${name} ${ms}`)
        .join('; ')}.`,
      `Where a step's time goes beyond its sleep, p50/p99 ms: ${waits.map(([name, p50, p99]) => `${name} ${p50}/${p99}`).join('; ')}.`,
      `Orchestrator memory: ${m.rss.beforeMiB} MiB before, peak ${m.rss.peakMiB} MiB in one replica (VmHWM), ${m.rss.peakTotalMiB} MiB over all replicas at once; ${m.rss.replicasAtOnce} replica(s) at most (the scaler may add some). History per run: ${metrics.historyBytesPerRunP50} bytes, ${metrics.historyEventsPerRunP50} events (p50; payloads encrypted, as stored).`,
      `First bottleneck: ${busiest.name} at ${busiest.meanCores} cores mean (peak ${busiest.peakCores})${saturated ? `, with the machine saturated (${m.cpu.machineBusyCores} of ${m.cpu.cores} cores busy)` : `, the machine not saturated (${m.cpu.machineBusyCores} of ${m.cpu.cores} cores busy)`}; the longest wait is ${worstWait[0]}: ${worstWait[1]} ms p50, ${worstWait[2]} ms p99.`,
    ],
  };
}
