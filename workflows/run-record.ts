/**
 * What makes a finished training run findable: search attributes (dataset and model version, accuracy, stage)
 * and the final metrics in the run's memo. Nothing secret goes into either.
 */
import { patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { batonSearchAttributes } from './search-attributes.ts';
import type { EvaluationMetrics } from './steps/schemas.ts';

/** Runs started before this was added replay without it (Temporal's patching keeps their histories valid). */
const PATCH = 'baton-run-record-v1';

/** Records a registered model and its holdout metrics on the run. */
export function recordTrainingOutcome(outcome: {
  dataset: { version: string };
  registered: { version: string };
  evaluation: { metrics: EvaluationMetrics };
}): void {
  if (!patched(PATCH)) return;
  const { metrics } = outcome.evaluation;
  upsertSearchAttributes([
    { key: batonSearchAttributes.datasetVersion, value: outcome.dataset.version },
    { key: batonSearchAttributes.modelVersion, value: outcome.registered.version },
    { key: batonSearchAttributes.accuracy, value: metrics.accuracy },
    // A freshly registered version waits in staging until it is promoted.
    { key: batonSearchAttributes.stage, value: 'staging' },
  ]);
  upsertMemo({ metrics });
}
