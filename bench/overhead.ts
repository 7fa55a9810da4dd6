/**
 * `overhead`: what Baton adds to one step. A pipeline of 20 no-op steps (a short synchronous step, declared `local`)
 * runs 30 times, and its `remote` twin (the same calls as ordinary activity steps under two alternating names, so
 * each writes BatonStep); in the same rounds, interleaved (the order rotates every round), run the baselines: (a) the same 20 calls as a plain Temporal workflow whose
 * activity calls the function with undici (baseline-worker.ts), (b) 20 direct calls through the gateway, (c) 20
 * direct calls to the replica's watchdog, and (d) 20 to its wrapper. A diagnostic variant, `invoke`, runs Baton's
 * invoke activity without runStep (no per-step search-attribute upsert), to split Baton's cost between the two.
 *
 * A Temporal step's time is ActivityTaskScheduled → ActivityTaskCompleted in the run's history (server clock), minus
 * the handler's own time (the noop function reports it); a direct call's is its wall time seen by the caller, minus
 * the same. Baton's overhead per step = its step time − the median direct gateway call of the same round.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Dispatcher } from 'undici';
import { createFunctionCallPool } from '../activities/http-pool.ts';
import { triggerRun } from '../cli/api/run-client.ts';
import { BASELINE_TASK_QUEUE, startBaselineWorker } from './support/baseline-process.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { replicaProcesses, type BenchStack } from './support/bench-stack.ts';
import { timedStepCall, type CallTiming } from './support/direct-call.ts';
import { handlerMsOf, runTiming, type RunTiming } from './support/history.ts';
import { benchSignal } from './support/lifecycle.ts';
import { environmentOf } from './support/procfs.ts';
import type { BenchResult } from './support/results.ts';
import { median, quantile, round, summarize } from './support/stats.ts';

const STEPS = 20;
/** The commit the targets' `before` figures were measured at. */
const BEFORE_COMMIT = '4659aee';
const VARIANTS = ['baton', 'remote', 'invoke', 'plain', 'gateway', 'replica', 'wrapper'] as const;
/** The orchestrator's task queue (BATON_TASK_QUEUE in deploy/env/temporal.yml). */
const BATON_TASK_QUEUE = 'baton-pipelines';
type Workflowed = 'baton' | 'remote' | 'invoke' | 'plain';
type Variant = (typeof VARIANTS)[number];

/** Samples of one kind, collected over all measured rounds. */
type Samples = Record<string, number[]>;

/** Runs the benchmark on the bench stack. */
export async function runOverhead(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const bench = ctx.stack!;
  const rounds = ctx.options.quick ? 5 : 30;
  const warmup = ctx.options.quick ? 1 : 3;
  ctx.say('starting the plain-Temporal baseline worker…');
  await startBaselineWorker({
    temporalAddress: bench.stack.temporalAddress,
    gatewayUrl: bench.stack.gatewayUrl,
    secretsDir: bench.stack.secrets.dir,
    verbose: ctx.options.verbose,
    say: ctx.say,
    profileDir: ctx.options.profileDir,
  });
  const replica = replicaProcesses(bench.stack, 'noop')[0];
  if (!replica) throw new Error('the noop function has no ready replica');
  const wrapperPort = environmentOf(replica.wrapper, 'http_port');
  const urls: Record<'gateway' | 'replica' | 'wrapper', string> = {
    gateway: `${bench.stack.gatewayUrl}/function/noop`,
    replica: `${replica.url}/`,
    wrapper: `http://127.0.0.1:${wrapperPort}/`,
  };
  const pool = createFunctionCallPool();

  const samples: Samples = {};
  const add = (name: string, values: number[]) => (samples[name] ??= []).push(...values);
  try {
    for (let n = -warmup; n < rounds; n++) {
      benchSignal.throwIfAborted();
      const order = VARIANTS.map((_, i) => VARIANTS[(i + n + warmup) % VARIANTS.length]!);
      const costs = {} as Record<Variant, number[]>;
      const runs = {} as Record<Workflowed, RunTiming>;
      for (const variant of order) {
        if (variant === 'baton' || variant === 'remote' || variant === 'invoke' || variant === 'plain') {
          const timing =
            variant === 'baton' || variant === 'remote'
              ? await batonChain(bench, variant === 'remote')
              : await startedChain(bench.client, variant);
          if (timing.steps.length !== STEPS)
            throw new Error(`${variant} run ${timing.workflowId} completed ${timing.steps.length} of ${STEPS} steps`);
          runs[variant] = timing;
          costs[variant] = timing.steps.map((step) => step.completedMs - step.scheduledMs - handlerMsOf(step.result));
        } else {
          costs[variant] = (await directCalls(urls[variant], pool, bench.stack.secrets.signingKey)).map(
            (call) => call.wallMs - call.handlerMs,
          );
        }
      }
      const label = n < 0 ? `warm-up ${n + warmup + 1}/${warmup}` : `round ${n + 1}/${rounds}`;
      ctx.say(
        `${label}: step p50 ${VARIANTS.map((variant) => `${variant} ${median(costs[variant]).toFixed(2)}`).join(', ')} ms`,
      );
      if (n < 0) continue;

      const gateway = median(costs.gateway);
      const plain = median(costs.plain);
      for (const variant of VARIANTS) add(variant, costs[variant]);
      add(
        'overhead',
        costs.baton.map((cost) => cost - gateway),
      );
      add(
        'batonOverPlain',
        costs.baton.map((cost) => cost - plain),
      );
      add(
        'plainOverGateway',
        costs.plain.map((cost) => cost - gateway),
      );
      const invoke = median(costs.invoke);
      add(
        'batonOverInvoke',
        costs.baton.map((cost) => cost - invoke),
      );
      add(
        'invokeOverPlain',
        costs.invoke.map((cost) => cost - plain),
      );
      for (const variant of ['baton', 'remote', 'invoke', 'plain'] as const) {
        const { steps, startedMs, closedMs } = runs[variant];
        add(
          `${variant}Cycle`,
          steps.map((step, i) => step.completedMs - (i === 0 ? startedMs : steps[i - 1]!.completedMs)),
        );
        add(
          `${variant}ScheduleToStart`,
          steps.map((step) => step.startedMs - step.scheduledMs),
        );
        add(
          `${variant}StartToClose`,
          steps.map((step) => step.completedMs - step.startedMs),
        );
        add(`${variant}Pipeline`, [closedMs - startedMs]);
        add(`${variant}Retried`, [steps.filter((step) => step.attempt > 1).length]);
        add(`${variant}EventsPerStep`, [runs[variant].events / STEPS]);
        add(`${variant}BytesPerStep`, [runs[variant].bytes / STEPS]);
      }
    }
  } finally {
    await pool.close();
  }

  const p = (name: string, q: number) =>
    round(
      quantile(
        [...samples[name]!].sort((a, b) => a - b),
        q,
      ),
    );
  const metrics: Record<string, number> = {
    overheadP50Ms: p('overhead', 0.5),
    overheadP99Ms: p('overhead', 0.99),
    batonStepP50Ms: p('baton', 0.5),
    batonStepP99Ms: p('baton', 0.99),
    remoteStepP50Ms: p('remote', 0.5),
    remoteStepP99Ms: p('remote', 0.99),
    invokeStepP50Ms: p('invoke', 0.5),
    plainTemporalStepP50Ms: p('plain', 0.5),
    plainTemporalStepP99Ms: p('plain', 0.99),
    gatewayCallP50Ms: p('gateway', 0.5),
    gatewayCallP99Ms: p('gateway', 0.99),
    replicaCallP50Ms: p('replica', 0.5),
    replicaCallP99Ms: p('replica', 0.99),
    wrapperCallP50Ms: p('wrapper', 0.5),
    wrapperCallP99Ms: p('wrapper', 0.99),
    batonOverPlainP50Ms: p('batonOverPlain', 0.5),
    batonOverPlainP99Ms: p('batonOverPlain', 0.99),
    plainOverGatewayP50Ms: p('plainOverGateway', 0.5),
    plainOverGatewayP99Ms: p('plainOverGateway', 0.99),
    batonOverInvokeP50Ms: p('batonOverInvoke', 0.5),
    invokeOverPlainP50Ms: p('invokeOverPlain', 0.5),
    batonScheduleToStartP50Ms: p('batonScheduleToStart', 0.5),
    remoteScheduleToStartP50Ms: p('remoteScheduleToStart', 0.5),
    invokeScheduleToStartP50Ms: p('invokeScheduleToStart', 0.5),
    plainScheduleToStartP50Ms: p('plainScheduleToStart', 0.5),
    batonStartToCloseP50Ms: p('batonStartToClose', 0.5),
    remoteStartToCloseP50Ms: p('remoteStartToClose', 0.5),
    invokeStartToCloseP50Ms: p('invokeStartToClose', 0.5),
    plainStartToCloseP50Ms: p('plainStartToClose', 0.5),
    batonStepCycleP50Ms: p('batonCycle', 0.5),
    remoteStepCycleP50Ms: p('remoteCycle', 0.5),
    invokeStepCycleP50Ms: p('invokeCycle', 0.5),
    plainStepCycleP50Ms: p('plainCycle', 0.5),
    batonPipelineP50Ms: p('batonPipeline', 0.5),
    remotePipelineP50Ms: p('remotePipeline', 0.5),
    invokePipelineP50Ms: p('invokePipeline', 0.5),
    plainPipelineP50Ms: p('plainPipeline', 0.5),
    batonRetriedSteps: sum(samples.batonRetried!),
    remoteRetriedSteps: sum(samples.remoteRetried!),
    invokeRetriedSteps: sum(samples.invokeRetried!),
    plainRetriedSteps: sum(samples.plainRetried!),
    // History weight of a 20-step run, per step (the run's own start and close events included).
    ...Object.fromEntries(
      (['baton', 'remote', 'invoke', 'plain'] as const).flatMap((variant) => [
        [`${variant}HistoryEventsPerStep`, p(`${variant}EventsPerStep`, 0.5)],
        [`${variant}HistoryBytesPerStep`, p(`${variant}BytesPerStep`, 0.5)],
      ]),
    ),
  };
  const ratio = (a: string, b: string) => round(metrics[a]! / metrics[b]!, 2);
  Object.assign(metrics, {
    ratioBatonToPlainStep: ratio('batonStepP50Ms', 'plainTemporalStepP50Ms'),
    // Baton's per-step overhead over a direct call against bare Temporal's, at p99.
    ratioOverheadP99ToPlain: ratio('overheadP99Ms', 'plainOverGatewayP99Ms'),
    ratioBatonToPlainStepP99: ratio('batonStepP99Ms', 'plainTemporalStepP99Ms'),
    ratioRemoteToPlainStepP99: ratio('remoteStepP99Ms', 'plainTemporalStepP99Ms'),
    ratioBatonToGatewayCall: ratio('batonStepP50Ms', 'gatewayCallP50Ms'),
    ratioPlainToGatewayCall: ratio('plainTemporalStepP50Ms', 'gatewayCallP50Ms'),
    ratioGatewayToReplicaCall: ratio('gatewayCallP50Ms', 'replicaCallP50Ms'),
    ratioReplicaToWrapperCall: ratio('replicaCallP50Ms', 'wrapperCallP50Ms'),
    ratioBatonToPlainPipeline: ratio('batonPipelineP50Ms', 'plainPipelineP50Ms'),
    ratioBatonToPlainStepCycle: ratio('batonStepCycleP50Ms', 'plainStepCycleP50Ms'),
    ratioBatonToInvokeStepCycle: ratio('batonStepCycleP50Ms', 'invokeStepCycleP50Ms'),
    ratioRemoteToPlainStepCycle: ratio('remoteStepCycleP50Ms', 'plainStepCycleP50Ms'),
  });

  return {
    ...resultSkeleton(ctx, 'overhead', 'per-step overhead of Baton over a direct call', startedAt),
    config: { steps: STEPS, rounds, warmupRounds: warmup, order: 'rotated every round' },
    metrics,
    // Ratios to bare Temporal measured in the same rounds: the machine is shared, absolute times are not comparable
    // from one run to the next. Baton faster than hand-written Temporal per step, and its p99 overhead close to it.
    // `before`: the same bench just before eager activity dispatch and local steps (one run, 2026-12-07, load ~2-16).
    targets: [
      { metric: 'ratioBatonToPlainStepCycle', op: '<=', value: 0.6, before: { value: 1.2, commit: BEFORE_COMMIT } },
      { metric: 'ratioOverheadP99ToPlain', op: '<=', value: 1.3, before: { value: 1.19, commit: BEFORE_COMMIT } },
    ],
    samples: Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarize(values)])),
    details: {},
    notes: [
      "Step time of a Temporal step (Baton, plain) = ActivityTaskScheduled → ActivityTaskCompleted in the history (server clock) − the handler's own time (`metrics.handlerMs` of the noop function); a direct call's = its wall time seen by the caller − the same.",
      "`overhead*` = Baton step time − the median direct call through the gateway in the same round; `batonOverPlain*` = Baton − plain Temporal (same function, same gateway, activity with undici and no validation): what Baton's runStep and invoke activity add over bare Temporal.",
      "`invoke*` (diagnostic): Baton's invoke activity with the same preset, called by a workflow without runStep (so without the per-step BatonStep upsert); `batonOverInvoke*` = what runStep adds, `invokeOverPlain*` = what the invoke activity (validation, heartbeat timeout, its worker) adds over the bare one.",
      "`*StepCycle*` = from one step's completion to the next one's (the first from the workflow start): adds the workflow task between steps, which the step time leaves out. `*Pipeline*` = workflow start → close of the 20-step run.",
      "`*ScheduleToStart*` = ActivityTaskScheduled → ActivityTaskStarted (matching and the worker's poll); `*StartToClose*` = the activity running, including the HTTP call and reporting completion.",
      "`*HistoryEventsPerStep`, `*HistoryBytesPerStep` = the median run's history (events; bytes as Temporal stores it: protobuf, payloads encrypted) / 20 steps.",
      "`baton*` = the noop step as declared (`local`: local activities, consecutive ones in one workflow task); `remote*` = the same calls as ordinary activity steps through runStep, two step names alternating so that each step writes BatonStep as a real pipeline's steps do. A local step has no server times: its step time is its marker's wall-clock schedule time → the function's own `metrics.doneAtMs` (the answer's way back to the worker is left out), and its cycle is from one step's `doneAtMs` to the next one's.",
      "`*RetriedSteps` = steps that needed more than one attempt: a dispatch the dev server lost (it logs `Fail to process task … context deadline exceeded` under I/O pressure) is retried after Baton's 30 s heartbeat timeout, or the baseline's 30 s start-to-close timeout; such steps show in p99 and max.",
      "Direct calls: `gateway` = POST /function/noop on the local gateway (which lives in the bench process); `replica` = straight to the replica's watchdog; `wrapper` = straight to the node wrapper behind it. Baton and plain runs also pass through the gateway.",
    ],
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** A Baton run of the noop chain (local steps, or remote ones), triggered through the API like any run. */
async function batonChain(bench: BenchStack, remote: boolean): Promise<RunTiming> {
  const run = await triggerRun(bench.stack, { pipeline: 'bench-noop-chain', input: { steps: STEPS, remote } });
  await bench.client.workflow.getHandle(run.runId).result();
  return runTiming(bench.client, run.runId);
}

/** A run of the same chain started directly: plain Temporal on the baseline worker, or the invoke-only twin on Baton's. */
async function startedChain(client: Client, variant: 'invoke' | 'plain'): Promise<RunTiming> {
  const workflowId = `${variant}-noop-chain-${randomUUID().slice(0, 8)}`;
  const [workflowType, taskQueue] =
    variant === 'plain' ? ['plainNoopChain', BASELINE_TASK_QUEUE] : ['benchNoopChainNoUpsert', BATON_TASK_QUEUE];
  const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args: [{ steps: STEPS }] });
  await handle.result();
  return runTiming(client, workflowId);
}

/** STEPS direct calls in a row. */
async function directCalls(url: string, pool: Dispatcher, signingKey: string): Promise<CallTiming[]> {
  const calls: CallTiming[] = [];
  for (let i = 0; i < STEPS; i++) calls.push(await timedStepCall(url, { i }, pool, signingKey));
  return calls;
}
