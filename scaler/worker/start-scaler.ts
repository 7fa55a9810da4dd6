/**
 * Starts the singleton scaler workflow if it is not running, and hands it this replica's settings either way
 * (signalWithStart is idempotent: every orchestrator replica calls it at start-up; one scaler runs).
 */
import type { Client } from '@temporalio/client';
import { SCALER_WORKFLOW_ID, scalerSettingsSignal, type ScalerSettings } from '../workflow/scaler-api.ts';
import type { OrchestratorConfig } from '../../functions/baton/config.ts';

/** Ticks per workflow run before continueAsNew: a few hundred keeps the history small. */
const TICKS_PER_RUN = 200;

/** The scaler's settings from the orchestrator's configuration. */
export function scalerSettings(config: OrchestratorConfig): ScalerSettings {
  const { scaler } = config;
  return {
    orchestrator: scaler.functionName,
    taskQueue: config.taskQueue,
    intervalMs: scaler.intervalMs,
    targetPerReplica: scaler.targetPerReplica,
    coolDownMs: scaler.coolDownMs,
    maxStepUp: scaler.maxStepUp,
    scaleStepFunctions: scaler.scaleStepFunctions,
    ticksPerRun: TICKS_PER_RUN,
  };
}

/** Ensures the scaler runs with `settings`; returns its workflow id. */
export async function ensureScaler(client: Client, taskQueue: string, settings: ScalerSettings): Promise<string> {
  await client.workflow.signalWithStart('batonScaler', {
    workflowId: SCALER_WORKFLOW_ID,
    taskQueue,
    args: [settings],
    signal: scalerSettingsSignal,
    signalArgs: [settings],
  });
  return SCALER_WORKFLOW_ID;
}
