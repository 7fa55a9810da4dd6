/**
 * Named activity options for steps. Every step uses one preset, so timeouts and retries are decided here
 * and only here.
 *
 * Timeout chain: a preset's startToCloseTimeout must exceed the gateway's upstream timeout, which is at least
 * the function's watchdog `exec_timeout` (stack.yml). A unit test checks the chain against stack.yml.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const stepPresets = {
  /** Seconds-long steps (ingest, evaluate, register): retried quickly on unavailability. */
  quick: {
    startToCloseTimeout: '5m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
  },
  /** Minutes-long synchronous training; the resumable long-training preset arrives with async steps. */
  training: {
    startToCloseTimeout: '15m',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
  },
} satisfies Record<string, ActivityOptions>;

export type StepPresetName = keyof typeof stepPresets;
