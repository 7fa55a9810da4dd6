/**
 * `resume`: how fast a long training comes back after its replica is SIGKILLed, and how much work it loses.
 * Each round starts `train-classifier-resumable` (one checkpoint per epoch), waits for epoch 3, kills the
 * training replica's watchdog, and measures the time until the next attempt reports that it resumed from a
 * checkpoint, and the epochs it redid (last epoch reported before the kill − the epoch it resumed after).
 */
import { getRun, triggerRun, waitForRun, type BatonApi } from '../cli/api/run-client.ts';
import type { StepView } from '../functions/baton/api/run-view.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { benchSignal } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { median, round, summarize } from './support/stats.ts';

const POLL_MS = 100;
const KILL_AFTER_EPOCH = 3;

export async function runResume(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const { stack } = ctx.stack!;
  const rounds = ctx.options.quick ? 2 : 5;
  const resumeSeconds: number[] = [];
  const epochsRedone: number[] = [];
  for (let round_ = 1; round_ <= rounds; round_++) {
    benchSignal.throwIfAborted();
    const run = await triggerRun(stack, {
      pipeline: 'train-classifier-resumable',
      input: { epochs: 10, secondsPerEpoch: 1, modelName: `bench-resume-${round_}` },
    });
    const before = await poll(stack, run.runId, (step) => (step.progress?.epoch ?? 0) >= KILL_AFTER_EPOCH);
    const victim = stack.gateway.supervisor.replicas('train-epochs').find((replica) => replica.state === 'ready')?.pid;
    if (!victim) throw new Error('no ready train-epochs replica to kill');
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    const after = await poll(
      stack,
      run.runId,
      (step) => step.attempt >= 2 && step.progress?.resumedFromEpoch !== undefined,
    );
    const seconds = (performance.now() - killedAt) / 1000;
    const redone = (before.progress?.epoch ?? 0) - (after.progress?.resumedFromEpoch ?? 0);
    resumeSeconds.push(seconds);
    epochsRedone.push(redone);
    ctx.say(
      `round ${round_}/${rounds}: resumed ${seconds.toFixed(2)} s after SIGKILL, from epoch ${after.progress?.resumedFromEpoch} (last reported ${before.progress?.epoch}): ${redone} epoch(s) redone`,
    );
    const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
    if (view.status !== 'completed') throw new Error(`run ${run.runId} ended ${view.status}: ${view.error?.message}`);
  }
  return {
    ...resultSkeleton(
      ctx,
      'resume',
      'resume: a SIGKILLed training replica, until training resumes from its checkpoint',
      startedAt,
    ),
    config: {
      rounds,
      epochs: 10,
      secondsPerEpoch: 1,
      killAfterEpoch: KILL_AFTER_EPOCH,
      heartbeatTimeout: '6s (longTraining preset)',
      pollMs: POLL_MS,
    },
    metrics: {
      resumeSecondsP50: round(median(resumeSeconds)),
      resumeSecondsMax: round(Math.max(...resumeSeconds)),
      epochsRedoneP50: median(epochsRedone),
      epochsRedoneMax: Math.max(...epochsRedone),
    },
    targets: [{ metric: 'resumeSecondsP50', op: '<=', value: 10 }],
    samples: { resumeSeconds: summarize(resumeSeconds), epochsRedone: summarize(epochsRedone) },
    details: {},
    notes: [
      'Resumed = the new attempt reported `resumedFromEpoch` (it loaded the checkpoint). The time covers the missed heartbeats (the gateway usually reports the broken call at once, which fails the attempt sooner), the retry delay (1 s), the replica restart and the Python start-up.',
      `Work lost per kill: epochs redone = the last epoch reported before the kill − the epoch the next attempt resumed after; one checkpoint per epoch of 1 s here.`,
    ],
  };
}

/** Polls the run's train-epochs step until `done` holds; answers that step. */
async function poll(api: BatonApi, runId: string, done: (step: StepView) => boolean): Promise<StepView> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    benchSignal.throwIfAborted();
    const step = await getRun(api, runId).then(
      (run) => run.steps.find((s) => s.name === 'train-epochs'),
      () => undefined,
    );
    if (step && done(step)) return step;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`run ${runId}: the training step never got there`);
}
