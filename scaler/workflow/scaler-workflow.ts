/**
 * The scaler: one workflow per namespace (fixed id `baton-scaler`) on Baton's small system task queue, so a
 * backlog on the pipeline queues never delays it. Each tick it observes the load, decides every function's
 * replicas with the pure policy, and applies the decisions; every tick's inputs and decisions are in its
 * history. Every orchestrator replica starts it idempotently with signalWithStart, which also hands the
 * running scaler that replica's settings.
 */
import { continueAsNew, log, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ScalingActivities } from '../activities/index.ts';
import { scalerSettingsSignal, type ScalerSettings } from './scaler-api.ts';
import { decideReplicas, type FunctionScalingMemory, type ScalingDecision } from './scaling-policy.ts';

const { observeLoad, applyScaling } = proxyActivities<ScalingActivities>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});

/** Runs ticks forever (continuing as new every `ticksPerRun`), carrying each function's scaling memory. */
export async function batonScaler(
  initial: ScalerSettings,
  carried: Record<string, FunctionScalingMemory> = {},
): Promise<never> {
  let settings = initial;
  setHandler(scalerSettingsSignal, (next) => {
    settings = next;
  });
  const memory = { ...carried };
  for (let tick = 0; tick < settings.ticksPerRun; tick++) {
    try {
      await runTick(settings, memory);
    } catch (error) {
      // A gateway or Temporal hiccup skips one tick; the scaler itself must not end.
      log.warn('scaler tick failed; trying again next tick', { error: (error as Error).message });
    }
    await sleep(settings.intervalMs);
  }
  return continueAsNew<typeof batonScaler>(settings, memory);
}

async function runTick(settings: ScalerSettings, memory: Record<string, FunctionScalingMemory>): Promise<void> {
  const observed = await observeLoad({
    orchestrator: settings.orchestrator,
    taskQueue: settings.taskQueue,
    targetPerReplica: settings.targetPerReplica,
    scaleStepFunctions: settings.scaleStepFunctions,
  });
  const now = Date.now(); // workflow time: deterministic
  const decisions: (ScalingDecision & { inputs: Record<string, number> })[] = [];
  for (const fn of observed) {
    const { decision, memory: next } = decideReplicas(settings, fn, memory[fn.name], now);
    memory[fn.name] = next;
    decisions.push({ ...decision, inputs: fn.inputs });
  }
  for (const name of Object.keys(memory)) if (!observed.some((fn) => fn.name === name)) delete memory[name];
  // Idle ticks (no load, nothing to change) leave no trace: the history and the log show only real decisions.
  if (decisions.some((d) => d.to !== d.from || d.load > 0)) await applyScaling({ decisions });
}
