/** How clients talk to the scaler workflow: its id, settings and signal (safe to import outside workflows). */
import { defineSignal } from '@temporalio/workflow';
import type { ScalingPolicy } from './scaling-policy.ts';

/** The scaler's fixed workflow id: one scaler per namespace. */
export const SCALER_WORKFLOW_ID = 'baton-scaler';

/** The scaler's settings (from the orchestrator's BATON_SCALER_* environment). */
export interface ScalerSettings extends ScalingPolicy {
  /** The orchestrator's function name, e.g. `baton`. */
  orchestrator: string;
  /** The pipelines' task queue, whose backlog scales the orchestrator. */
  taskQueue: string;
  /** Time between ticks. */
  intervalMs: number;
  /** Backlog tasks (workflow + activity) per orchestrator replica. */
  targetPerReplica: number;
  /** Also scale step functions with `max_inflight` (or the target label) on their pending calls. */
  scaleStepFunctions: boolean;
  /** Ticks before the workflow continues as new (keeps its history short). */
  ticksPerRun: number;
}

/** Replaces the running scaler's settings (each orchestrator replica sends its own at start-up). */
export const scalerSettingsSignal = defineSignal<[ScalerSettings]>('settings');
