/**
 * The scaling policy, as a pure function: how many replicas a function should have, given its load now and
 * what the scaler saw and did before. The scaler workflow calls it every tick; it does no I/O and reads no
 * clock, so it is deterministic (workflow code) and unit-tested on its own.
 *
 * desired = ceil(load / target per replica), clamped to the function's `com.openfaas.scale.min` / `max`
 * labels. Up at once (at most `maxStepUp` replicas per tick); down only to the highest recommendation of the
 * last `coolDownMs` (a stabilisation window, like the Kubernetes HPA's scale-down window), so a load that dips
 * for one tick does not make replicas flap.
 */

/** The knobs of the policy (BATON_SCALER_* in functions/baton/config.ts). */
export interface ScalingPolicy {
  /** Scale down only to the highest recommendation of this many ms (and not within it of the last change). */
  coolDownMs: number;
  /** Most replicas added in one tick; 0 = no limit. */
  maxStepUp: number;
}

/** One function's load and bounds, as an observation gives them. */
export interface FunctionLoad {
  name: string;
  /** The function's desired replicas now (the gateway's `replicas`). */
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
  /** The load one replica should carry (backlog tasks, or pending calls). */
  targetPerReplica: number;
  /** Work waiting or running for the function now. */
  load: number;
}

/** What the policy remembers of one function between ticks (carried across continueAsNew). */
export interface FunctionScalingMemory {
  /** Recommendations of the stabilisation window, oldest first: `[at ms, replicas]`. */
  recent: [number, number][];
  /** When the scaler first saw this function (a fresh scaler does not scale down before one window). */
  firstSeenAt: number;
  /** When the scaler last changed its replicas. */
  lastChangeAt?: number;
}

/** Why a decision came out as it did. */
export type ScalingReason = 'load' | 'bounds' | 'cool-down' | 'steady' | 'max-step';

/** One tick's decision for one function, with every input: what the scaler logs and records. */
export interface ScalingDecision {
  function: string;
  /** Replicas before. */
  from: number;
  /** Replicas after (equal to `from`: nothing to do). */
  to: number;
  /** ceil(load / target), before clamping. */
  wanted: number;
  /** `wanted` clamped to the labels. */
  recommended: number;
  load: number;
  targetPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  reason: ScalingReason;
}

/** The replicas `load` needs at `targetPerReplica` each: ceil(load / target). */
export function wantedReplicas(load: number, targetPerReplica: number): number {
  if (!(targetPerReplica > 0)) throw new Error(`targetPerReplica must be above 0, got ${targetPerReplica}`);
  return load > 0 ? Math.ceil(load / targetPerReplica) : 0;
}

/** `replicas` within [min, max]. */
export function clamp(replicas: number, min: number, max: number): number {
  return Math.min(Math.max(replicas, min), max);
}

/** Decides one function's replicas at time `now` (ms) and returns the memory for the next tick. */
export function decideReplicas(
  policy: ScalingPolicy,
  fn: FunctionLoad,
  memory: FunctionScalingMemory | undefined,
  now: number,
): { decision: ScalingDecision; memory: FunctionScalingMemory } {
  const wanted = wantedReplicas(fn.load, fn.targetPerReplica);
  const recommended = clamp(wanted, fn.minReplicas, fn.maxReplicas);
  const windowStart = now - policy.coolDownMs;
  const recent: [number, number][] = [...(memory?.recent ?? []).filter(([at]) => at > windowStart), [now, recommended]];
  const firstSeenAt = memory?.firstSeenAt ?? now;
  const base = {
    function: fn.name,
    from: fn.replicas,
    wanted,
    recommended,
    load: fn.load,
    targetPerReplica: fn.targetPerReplica,
    minReplicas: fn.minReplicas,
    maxReplicas: fn.maxReplicas,
  };

  let to = fn.replicas;
  let reason: ScalingReason = 'steady';
  if (fn.replicas < fn.minReplicas || fn.replicas > fn.maxReplicas) {
    // Someone scaled it outside its labels (or the labels changed): back inside at once.
    to = clamp(fn.replicas, fn.minReplicas, fn.maxReplicas);
    reason = 'bounds';
  } else if (recommended > fn.replicas) {
    const step = policy.maxStepUp > 0 ? Math.min(recommended, fn.replicas + policy.maxStepUp) : recommended;
    to = step;
    reason = step < recommended ? 'max-step' : 'load';
  } else if (recommended < fn.replicas) {
    const settledSince = Math.max(firstSeenAt, memory?.lastChangeAt ?? firstSeenAt);
    const stable = Math.max(...recent.map(([, replicas]) => replicas));
    if (now - settledSince < policy.coolDownMs || stable >= fn.replicas) {
      reason = 'cool-down';
    } else {
      to = stable;
      reason = 'load';
    }
  }
  const lastChangeAt = to !== fn.replicas ? now : memory?.lastChangeAt;
  return {
    decision: { ...base, to, reason },
    memory: { recent, firstSeenAt, ...(lastChangeAt !== undefined && { lastChangeAt }) },
  };
}
