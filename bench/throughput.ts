/**
 * `throughput`: many pipelines of no-op steps at once (50 pipelines × 10 steps, after a warm-up of 10 × 10), three
 * measured rounds; in each, interleaved (the order rotates), the same load as plain Temporal workflows on the baseline
 * worker, and as the diagnostic `invoke` twin (Baton's invoke activity without runStep's per-step upsert). Sustained steps/second = the steps completed between the 10th and 90th percentile completion
 * times over that span (ramp-up and tail left out). The CPU of every process of the stack is sampled once a second
 * meanwhile, so the first bottleneck shows as the busiest process, and CPU per step shows who spends it.
 */
import { randomUUID } from 'node:crypto';
import { triggerRun } from '../cli/api/run-client.ts';
import { BASELINE_TASK_QUEUE, startBaselineWorker } from './support/baseline-process.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { stackProcesses, type BenchStack } from './support/bench-stack.ts';
import { coresMetrics, CpuSampler, mergeCpuReports, type CpuReport } from './support/cpu-sampler.ts';
import { runTiming, type RunTiming } from './support/history.ts';
import { benchSignal } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { median, quantile, round, summarize } from './support/stats.ts';

const PIPELINES = 50;
const STEPS = 10;
const WARMUP_PIPELINES = 10;
const VARIANTS = ['baton', 'invoke', 'plain'] as const;
type Variant = (typeof VARIANTS)[number];
/** The orchestrator's task queue (BATON_TASK_QUEUE in deploy/env/temporal.yml). */
const BATON_TASK_QUEUE = 'baton-pipelines';

/** What one round of one variant measured. */
interface RoundResult {
  sustained: number;
  overall: number;
  steps: number;
  retried: number;
  stepMs: number[];
  scheduleToStartMs: number[];
  cpu: CpuReport;
}

/** Runs the benchmark on the bench stack. */
export async function runThroughput(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const bench = ctx.stack!;
  const rounds = ctx.options.quick ? 1 : 3;
  ctx.say('starting the plain-Temporal baseline worker…');
  const baselinePid = await startBaselineWorker({
    temporalAddress: bench.stack.temporalAddress,
    gatewayUrl: bench.stack.gatewayUrl,
    secretsDir: bench.stack.secrets.dir,
    verbose: ctx.options.verbose,
    say: ctx.say,
    profileDir: ctx.options.profileDir,
  });
  const processes = (variant: Variant) => {
    const groups = stackProcesses(bench.stack, ['baton', 'noop']);
    if (variant === 'plain') groups['plain worker (node)'] = [baselinePid];
    return groups;
  };
  for (const variant of VARIANTS) {
    ctx.say(`warm-up (${variant}): ${WARMUP_PIPELINES} pipelines × ${STEPS} steps…`);
    await runAll(bench, variant, WARMUP_PIPELINES);
  }

  const results: Record<Variant, RoundResult[]> = { baton: [], invoke: [], plain: [] };
  for (let i = 0; i < rounds; i++) {
    for (const variant of VARIANTS.map((_, j) => VARIANTS[(i + j) % VARIANTS.length]!)) {
      benchSignal.throwIfAborted();
      const sampler = new CpuSampler(processes(variant));
      sampler.start();
      const timings = await runAll(bench, variant, PIPELINES, (done) =>
        ctx.say(`round ${i + 1}/${rounds} (${variant}): ${done}/${PIPELINES} pipelines done`),
      );
      const result = measure(timings, sampler.stop());
      results[variant].push(result);
      const top = result.cpu.processes
        .slice(0, 3)
        .map((p) => `${p.name} ${p.meanCores}`)
        .join(', ');
      ctx.say(
        `round ${i + 1}/${rounds} (${variant}): ${result.sustained.toFixed(1)} steps/s sustained (${result.overall.toFixed(1)} overall); cores: ${top}; machine busy ${result.cpu.machineBusyCores}/${result.cpu.cores}`,
      );
    }
  }

  const baton = summarizeVariant(results.baton);
  const invoke = summarizeVariant(results.invoke);
  const plain = summarizeVariant(results.plain);
  const busiest = baton.cpu.processes[0]!;
  const metrics: Record<string, number> = {
    stepsPerSecond: baton.stepsPerSecond,
    invokeStepsPerSecond: invoke.stepsPerSecond,
    plainStepsPerSecond: plain.stepsPerSecond,
    ratioBatonToPlainThroughput: round(baton.stepsPerSecond / plain.stepsPerSecond, 2),
    ratioBatonToInvokeThroughput: round(baton.stepsPerSecond / invoke.stepsPerSecond, 2),
    stepsPerSecondOverall: baton.overall,
    plainStepsPerSecondOverall: plain.overall,
    stepUnderLoadP50Ms: baton.stepP50,
    plainStepUnderLoadP50Ms: plain.stepP50,
    scheduleToStartUnderLoadP50Ms: baton.scheduleToStartP50,
    plainScheduleToStartUnderLoadP50Ms: plain.scheduleToStartP50,
    cpuMsPerStep: baton.cpuMsPerStepTotal,
    invokeCpuMsPerStep: invoke.cpuMsPerStepTotal,
    plainCpuMsPerStep: plain.cpuMsPerStepTotal,
    temporalCpuMsPerStep: baton.cpuMsPerStep['temporal server']!,
    invokeTemporalCpuMsPerStep: invoke.cpuMsPerStep['temporal server']!,
    plainTemporalCpuMsPerStep: plain.cpuMsPerStep['temporal server']!,
    batonRetriedSteps: results.baton.reduce((sum, result) => sum + result.retried, 0),
    invokeRetriedSteps: results.invoke.reduce((sum, result) => sum + result.retried, 0),
    plainRetriedSteps: results.plain.reduce((sum, result) => sum + result.retried, 0),
    machineBusyCores: baton.cpu.machineBusyCores,
    otherProcessesCores: baton.cpu.otherCores,
    ...coresMetrics(baton.cpu),
  };
  const perStep = (summary: ReturnType<typeof summarizeVariant>) =>
    Object.entries(summary.cpuMsPerStep)
      .map(([name, ms]) => `${name} ${ms}`)
      .join('; ');
  return {
    ...resultSkeleton(ctx, 'throughput', 'sustained steps per second, many pipelines at once', startedAt),
    config: {
      pipelines: PIPELINES,
      stepsPerPipeline: STEPS,
      rounds,
      warmupPipelines: WARMUP_PIPELINES,
      order: 'Baton and plain Temporal alternate',
    },
    metrics,
    // A ratio to bare Temporal in the same rounds: absolute rates on this shared machine vary with its load.
    // `before`: just before eager activity dispatch and local steps (commit 4659aee, 2026-12-07, load ~16 on 2 cores).
    targets: [
      { metric: 'ratioBatonToPlainThroughput', op: '>=', value: 0.95, before: { value: 0.53, commit: '4659aee' } },
    ],
    samples: {
      batonSustainedStepsPerSecond: summarize(results.baton.map((result) => result.sustained)),
      invokeSustainedStepsPerSecond: summarize(results.invoke.map((result) => result.sustained)),
      plainSustainedStepsPerSecond: summarize(results.plain.map((result) => result.sustained)),
      batonStepUnderLoadMs: summarize(results.baton.flatMap((result) => result.stepMs)),
      plainStepUnderLoadMs: summarize(results.plain.flatMap((result) => result.stepMs)),
      batonScheduleToStartUnderLoadMs: summarize(results.baton.flatMap((result) => result.scheduleToStartMs)),
    },
    details: {
      batonCpu: baton.cpu,
      invokeCpu: invoke.cpu,
      plainCpu: plain.cpu,
      batonCpuMsPerStep: baton.cpuMsPerStep,
      invokeCpuMsPerStep: invoke.cpuMsPerStep,
      plainCpuMsPerStep: plain.cpuMsPerStep,
    },
    notes: [
      `Pipelines are triggered through the API (POST /function/baton/runs) all at once, each running ${STEPS} no-op steps in a row; the plain baseline starts as many plain Temporal workflows (the overhead benchmark's) on its own worker, the invoke twin as many benchNoopChainNoUpsert runs on Baton's worker. \`stepsPerSecond\` = median over rounds of the steps completed between the 10th and 90th percentile completion times / that span; \`*Overall\` = all steps / (first start → last step done).`,
      `CPU while Baton ran, in cores (1.0 = one core busy all along; the machine has ${baton.cpu.cores}): ${baton.cpu.processes.map((p) => `${p.name} ${p.meanCores} (peak ${p.peakCores})`).join('; ')}; machine busy ${baton.cpu.machineBusyCores}, of which ${baton.cpu.otherCores} by processes outside the stack.`,
      `CPU ms per step, Baton: ${perStep(baton)}. Invoke twin (no per-step upsert): ${perStep(invoke)}. Plain Temporal: ${perStep(plain)}.`,
      `First bottleneck: ${busiest.name} at ${busiest.meanCores} cores mean${baton.cpu.machineBusyCores >= 0.9 * baton.cpu.cores ? `, with the machine saturated (${baton.cpu.machineBusyCores} of ${baton.cpu.cores} cores busy): more throughput needs less CPU per step` : `, the machine not saturated (${baton.cpu.machineBusyCores} of ${baton.cpu.cores} cores busy): the limit is latency (waiting), not CPU`}.`,
    ],
  };
}

/** Starts `count` noop-chain pipelines at once (through the API for Baton) and returns their timings once all are done. */
async function runAll(
  bench: BenchStack,
  variant: Variant,
  count: number,
  progress?: (done: number) => void,
): Promise<RunTiming[]> {
  const ids = await Promise.all(
    Array.from({ length: count }, async () => {
      if (variant === 'baton')
        return (await triggerRun(bench.stack, { pipeline: 'bench-noop-chain', input: { steps: STEPS } })).runId;
      const workflowId = `${variant}-noop-chain-${randomUUID().slice(0, 8)}`;
      const [workflowType, taskQueue] =
        variant === 'plain' ? ['plainNoopChain', BASELINE_TASK_QUEUE] : ['benchNoopChainNoUpsert', BATON_TASK_QUEUE];
      await bench.client.workflow.start(workflowType, { taskQueue, workflowId, args: [{ steps: STEPS }] });
      return workflowId;
    }),
  );
  let done = 0;
  const ticker = progress && setInterval(() => progress(done), 2000);
  try {
    await Promise.all(
      ids.map(async (id) => {
        await bench.client.workflow.getHandle(id).result();
        done++;
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  return Promise.all(ids.map((id) => runTiming(bench.client, id)));
}

function measure(timings: RunTiming[], cpu: CpuReport): RoundResult {
  const steps = timings.flatMap((timing) => timing.steps);
  if (steps.length !== timings.length * STEPS)
    throw new Error(`${steps.length} of ${timings.length * STEPS} steps completed`);
  const completions = steps.map((step) => step.completedMs).sort((a, b) => a - b);
  const low = Math.floor(completions.length * 0.1);
  const high = Math.floor(completions.length * 0.9);
  const first = Math.min(...timings.map((timing) => timing.startedMs));
  return {
    sustained: (high - low) / ((completions[high]! - completions[low]!) / 1000),
    overall: completions.length / ((completions.at(-1)! - first) / 1000),
    steps: steps.length,
    retried: steps.filter((step) => step.attempt > 1).length,
    stepMs: steps.map((step) => step.completedMs - step.scheduledMs),
    scheduleToStartMs: steps.map((step) => step.startedMs - step.scheduledMs),
    cpu,
  };
}

/** Medians over the rounds of one variant, and its CPU per step. */
function summarizeVariant(rounds: RoundResult[]) {
  const cpu = mergeCpuReports(rounds.map((result) => result.cpu));
  const steps = rounds.reduce((sum, result) => sum + result.steps, 0);
  const cpuMsPerStep = Object.fromEntries(
    cpu.processes.map((process) => [process.name, round((process.meanCores * cpu.wallSeconds * 1000) / steps, 2)]),
  );
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  return {
    stepsPerSecond: round(median(rounds.map((result) => result.sustained)), 1),
    overall: round(median(rounds.map((result) => result.overall)), 1),
    stepP50: round(quantile(sorted(rounds.flatMap((result) => result.stepMs)), 0.5)),
    scheduleToStartP50: round(quantile(sorted(rounds.flatMap((result) => result.scheduleToStartMs)), 0.5)),
    cpu,
    cpuMsPerStep,
    cpuMsPerStepTotal: round(
      Object.values(cpuMsPerStep).reduce((sum, ms) => sum + ms, 0),
      2,
    ),
  };
}
