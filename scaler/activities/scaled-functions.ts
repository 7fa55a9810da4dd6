/**
 * Which functions Baton scales, with which target per replica and bounds: read from each function's labels and
 * environment as the gateway reports them. Pure, so every rule is unit-tested.
 */
import type { GatewayFunction } from './gateway-functions.ts';

export const MIN_SCALE_LABEL = 'com.openfaas.scale.min';
export const MAX_SCALE_LABEL = 'com.openfaas.scale.max';
/** Load one replica should carry; overrides BATON_SCALER_TARGET (orchestrator) or `max_inflight` (step functions). */
export const TARGET_LABEL = 'com.baton.scale.target';
/** `"false"` keeps Baton's scaler away from a function. */
export const ENABLED_LABEL = 'com.baton.scale.enabled';
/** OpenFaaS' defaults when the labels are absent. */
const DEFAULT_MIN = 1;
const DEFAULT_MAX = 20;

/** What decides whether and how a function is scaled. */
export interface ScaledFunctionSettings {
  /** The orchestrator's function name (scaled on its task queues' backlog). */
  orchestrator: string;
  /** Backlog tasks per orchestrator replica. */
  targetPerReplica: number;
  /** Also scale step functions that set `max_inflight` or the target label (on their pending calls). */
  scaleStepFunctions: boolean;
}

/** A function the scaler looks after. */
export interface ScaledFunction {
  name: string;
  kind: 'orchestrator' | 'step';
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
  targetPerReplica: number;
}

/**
 * The functions to scale: the orchestrator always (unless its enabled label says "false"); a step function when
 * step scaling is on and it has a target (the target label, else its watchdog's `max_inflight`). Labels that
 * do not parse leave the function out with a note naming the label.
 */
export function scaledFunctions(
  functions: readonly GatewayFunction[],
  settings: ScaledFunctionSettings,
): { scaled: ScaledFunction[]; notes: string[] } {
  const scaled: ScaledFunction[] = [];
  const notes: string[] = [];
  for (const fn of functions) {
    if (fn.labels[ENABLED_LABEL] === 'false') continue;
    const isOrchestrator = fn.name === settings.orchestrator;
    if (!isOrchestrator && !settings.scaleStepFunctions) continue;
    try {
      const labelled = positive(fn.labels[TARGET_LABEL], `labels["${TARGET_LABEL}"]`);
      const inflight = positive(fn.envVars.max_inflight, 'envVars.max_inflight');
      const targetPerReplica = labelled ?? (isOrchestrator ? settings.targetPerReplica : inflight);
      if (targetPerReplica === undefined) continue;
      const minReplicas = whole(fn.labels[MIN_SCALE_LABEL], `labels["${MIN_SCALE_LABEL}"]`) ?? DEFAULT_MIN;
      const maxReplicas = whole(fn.labels[MAX_SCALE_LABEL], `labels["${MAX_SCALE_LABEL}"]`) ?? DEFAULT_MAX;
      if (minReplicas > maxReplicas)
        throw new Error(
          `labels["${MIN_SCALE_LABEL}"] (${minReplicas}) exceeds labels["${MAX_SCALE_LABEL}"] (${maxReplicas})`,
        );
      scaled.push({
        name: fn.name,
        kind: isOrchestrator ? 'orchestrator' : 'step',
        replicas: fn.replicas,
        minReplicas,
        maxReplicas,
        targetPerReplica,
      });
    } catch (error) {
      notes.push(`function ${fn.name} is not scaled: ${(error as Error).message}`);
    }
  }
  return { scaled, notes };
}

function positive(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return undefined; // max_inflight 0 = unlimited
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`${field} must be a number above 0, not ${JSON.stringify(value)}`);
  return number;
}

function whole(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new Error(`${field} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}
