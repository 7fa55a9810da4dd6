/**
 * Named activity options for steps. Every step uses one preset, so timeouts and retries are decided here
 * and only here.
 *
 * Timeout chain: a preset's startToCloseTimeout must exceed the gateway's upstream timeout, which is at least
 * the function's watchdog `exec_timeout` (stack.yml). A unit test checks the chain against stack.yml.
 */
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';

/**
 * What every preset shares. The invoke activity heartbeats while it waits for the function, so a missed
 * heartbeat means the worker died (retry elsewhere, without waiting out start-to-close), and cancelling a
 * run waits until the step has really stopped.
 */
const common = {
  heartbeatTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
} satisfies ActivityOptions;

export const stepPresets = {
  /** Seconds-long steps (ingest, evaluate, register): retried quickly on unavailability. */
  quick: {
    ...common,
    startToCloseTimeout: '5m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
  },
  /** Minutes-long synchronous training; the resumable long-training preset arrives with async steps. */
  training: {
    ...common,
    startToCloseTimeout: '15m',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
  },
  /**
   * Long, resumable trainings (async steps): the function reports progress every couple of seconds, so a
   * heartbeat missing for 6 s means the replica died; the next attempt resumes from the last checkpoint.
   */
  longTraining: {
    ...common,
    startToCloseTimeout: '12h',
    heartbeatTimeout: '6s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 20 },
  },
} satisfies Record<string, ActivityOptions>;

export type StepPresetName = keyof typeof stepPresets;

/**
 * A preset as local-activity options (steps declared `local`): the same timeout and retries. No heartbeat timeout:
 * a local activity dies with the worker that runs its workflow, and cancellation reaches it without heartbeats.
 * Retries wait in the worker up to `localRetryThreshold`, then through a durable timer.
 */
export function localStepOptions(preset: StepPresetName): LocalActivityOptions {
  const { startToCloseTimeout, retry, cancellationType } = stepPresets[preset];
  return { startToCloseTimeout, retry, cancellationType, localRetryThreshold: '10s' };
}
