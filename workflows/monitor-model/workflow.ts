/**
 * monitor-model: monitor-model (the window's drift, live accuracy, report) → search attributes → past the threshold,
 * the model's retraining (at most one per run, none while one runs). Deterministic: I/O happens in the step.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { z } from 'zod';
import { runStep } from '../run-step.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { monitorModel as monitorModelStep } from '../steps/monitor-model.ts';
import { monitorModelInput, type MonitorModelInput } from './input.ts';
import { startDriftRetraining, type RetrainingOutcome } from './retraining.ts';

type MonitorOutput = z.output<typeof monitorModelStep.output>;

/** What a monitor-model run returns. */
export interface MonitorModelResult {
  model: MonitorOutput['model'];
  window: MonitorOutput['window'];
  samples: number;
  drift: MonitorOutput['drift'];
  accuracy: MonitorOutput['accuracy'];
  report: MonitorOutput['report'];
  summary: MonitorOutput['summary'];
  retraining: RetrainingOutcome;
}

/** Runs monitor-model; what it returns is the run's result (GET /runs/{runId}). */
export async function monitorModel(rawInput: MonitorModelInput): Promise<MonitorModelResult> {
  const input = monitorModelInput.parse(rawInput);
  const watched = await runStep(monitorModelStep, {
    modelName: input.modelName,
    windowEnd: new Date().toISOString(), // the workflow's clock: replays give the same window
    windowHours: input.windowHours,
    thresholds: input.thresholds,
  });
  const attributes: SearchAttributePair[] = [{ key: batonSearchAttributes.modelVersion, value: watched.model.version }];
  if (watched.drift.value !== null) attributes.push({ key: batonSearchAttributes.drift, value: watched.drift.value });
  if (watched.accuracy.live !== null)
    attributes.push({ key: batonSearchAttributes.accuracy, value: watched.accuracy.live });
  upsertSearchAttributes(attributes);
  const retraining: RetrainingOutcome = !watched.drift.detected
    ? { started: false, reason: `no drift: ${watched.drift.reason}` }
    : input.retrain
      ? await startDriftRetraining(input.modelName, watched.retraining)
      : { started: false, reason: 'drift detected, but this run only reports (retrain: false)' };
  upsertMemo({ drift: watched.drift, accuracy: watched.accuracy, retraining });
  const { model, window, samples, drift, accuracy, report, summary } = watched;
  return { model, window, samples, drift, accuracy, report, summary, retraining };
}
