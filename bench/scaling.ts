/**
 * `scaling`: how much the scaler helps and how fast it reacts. The same 200 short runs drain (a) on a stack whose
 * scaler may raise the orchestrator to 3 replicas and the step function to 2, and (b) on a stack with the scaler
 * off and a fixed single replica each; both with small per-replica limits (4 activities, 4 workflow tasks), so
 * one replica cannot take the whole backlog. Drain time = first run started → last run closed. Reaction time =
 * the last run started (the backlog is there) → GET /system/functions first shows more orchestrator replicas
 * (sampled every 100 ms; the scaler ticks every second). Medians over the rounds; the two stacks run one after
 * the other, each on its own free ports and data folder.
 */
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { benchSignal, onStop } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { median, round, summarize } from './support/stats.ts';
import { startScalingStack } from '../test/support/scaling-stack.ts';
import { peakReplicas, startRuns, waitForReplicas, waitForRuns, watchReplicas } from '../test/support/scaling-load.ts';
import { connectTemporal } from '../test/support/temporal-client.ts';

const RUNS = 200;
// Steps that wait (I/O-bound), so the per-replica limit, not the 2 CPU cores, is what more replicas relieve.
const STEP_MS = 1500;
const COOL_DOWN_S = 8;
const limits = { BATON_MAX_CONCURRENT_ACTIVITIES: '4', BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '4' };

/** One drain of one variant. */
interface Round {
  drainMs: number;
  reactionMs?: number;
  peakBaton: number;
  peakWork: number;
}

export async function runScaling(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const rounds = ctx.options.quick ? 1 : 3;
  const scaled = await runVariant(ctx, 'scaled', rounds, {
    batonEnv: {
      ...limits,
      BATON_SCALER_ENABLED: 'true',
      BATON_SCALER_INTERVAL_SECONDS: '1',
      BATON_SCALER_TARGET: '4',
      BATON_SCALER_COOLDOWN_SECONDS: String(COOL_DOWN_S),
    },
    batonMax: 3,
    workMaxInflight: 8,
    workMax: 2,
  });
  const fixed = await runVariant(ctx, 'fixed', rounds, {
    batonEnv: { ...limits, BATON_SCALER_ENABLED: 'false' },
    batonMax: 1,
    workMaxInflight: 8,
    workMax: 1,
  });
  const drainScaled = median(scaled.map((r) => r.drainMs));
  const drainFixed = median(fixed.map((r) => r.drainMs));
  const reactions = scaled.flatMap((r) => (r.reactionMs === undefined ? [] : [r.reactionMs]));
  return {
    ...resultSkeleton(
      ctx,
      'scaling',
      `Drain of ${RUNS} short runs with the scaler on vs a fixed single replica, and the scaler's reaction time`,
      startedAt,
    ),
    config: {
      runs: RUNS,
      stepMs: STEP_MS,
      rounds,
      scalerIntervalS: 1,
      targetPerReplica: 4,
      coolDownS: COOL_DOWN_S,
      batonMax: 3,
      workMax: 2,
      perReplicaLimits: limits,
    },
    metrics: {
      drainMsScaled: Math.round(drainScaled),
      drainMsFixed: Math.round(drainFixed),
      ratioFixedToScaledDrain: round(drainFixed / drainScaled, 2),
      reactionMs: reactions.length > 0 ? Math.round(median(reactions)) : Number.NaN,
      peakBatonReplicas: Math.max(...scaled.map((r) => r.peakBaton)),
      peakWorkReplicas: Math.max(...scaled.map((r) => r.peakWork)),
    },
    targets: [
      { metric: 'ratioFixedToScaledDrain', op: '>=', value: 1.3 },
      { metric: 'reactionMs', op: '<=', value: 5_000 },
    ],
    samples: {
      drainMsScaled: summarize(scaled.map((r) => r.drainMs)),
      drainMsFixed: summarize(fixed.map((r) => r.drainMs)),
      ...(reactions.length > 0 ? { reactionMs: summarize(reactions) } : {}),
    },
    details: { scaled, fixed },
    notes: [
      'Drain time: the first of the runs started → the last one closed (Temporal close times). Each run is one 1.5 s step (it waits, as a call to a remote service does).',
      'Reaction time: the last start (the backlog is complete) → GET /system/functions first shows more than one orchestrator replica; the scaler ticks every 1 s here (15 s by default), so the default reaction is up to about 15 s plus one tick.',
      'New replicas need a few seconds to start (Node + workflow bundle) on this 2-core machine; the whole stack (Temporal, MinIO, gateway, replicas) shares those cores, which caps the gain of more replicas.',
    ],
  };
}

async function runVariant(
  ctx: BenchContext,
  name: string,
  rounds: number,
  options: Parameters<typeof startScalingStack>[0],
): Promise<Round[]> {
  ctx.say(`${name}: starting a stack…`);
  const stack = await startScalingStack({ ...options, verbose: ctx.options.verbose, say: ctx.say });
  const unregister = onStop(`scaling stack (${name})`, () => stack.stop());
  const { client, connection } = await connectTemporal(stack);
  const results: Round[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      benchSignal.throwIfAborted();
      const watcher = watchReplicas(stack, 100);
      const firstStart = Date.now();
      const ids = await startRuns(client, `${name}-r${round}`, RUNS, STEP_MS);
      const lastStart = Date.now();
      const { statuses, lastCloseAt } = await waitForRuns(client, ids, 600_000);
      if (statuses.COMPLETED !== RUNS) throw new Error(`${name} round ${round}: ${JSON.stringify(statuses)}`);
      const samples = await watcher.stop();
      const firstUp = samples.find((s) => s.at >= firstStart && (s.replicas.baton ?? 0) > 1);
      const result: Round = {
        drainMs: lastCloseAt - firstStart,
        ...(firstUp ? { reactionMs: Math.max(0, firstUp.at - lastStart) } : {}),
        peakBaton: peakReplicas(samples, 'baton'),
        peakWork: peakReplicas(samples, 'scaling-work'),
      };
      results.push(result);
      ctx.say(
        `${name} round ${round}/${rounds}: drained in ${(result.drainMs / 1000).toFixed(1)} s, reaction ${result.reactionMs ?? '-'} ms, peak replicas baton ${result.peakBaton}, scaling-work ${result.peakWork}`,
      );
      // Start each round from min replicas.
      await waitForReplicas(
        stack,
        (r) => r.baton === 1 && r['scaling-work'] === 1,
        (COOL_DOWN_S + 120) * 1000,
        'replicas back to min',
      );
    }
  } finally {
    await connection.close();
    await stack.stop();
    unregister();
  }
  return results;
}
