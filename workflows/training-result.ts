/**
 * The result every training pipeline returns, built from its steps' outputs in one place so that the
 * workflows stay short. Pure: no Temporal commands, so it changes no workflow's history.
 */
import type { PromotionOutcome } from './promotion/promote.ts';
import type { StepOutput } from './step-definition.ts';
import type { DatasetVersion, EvaluationMetrics } from './steps/schemas.ts';
import type { evaluate } from './steps/evaluate.ts';
import type { registerModel } from './steps/register-model.ts';
import type { validateDataset } from './steps/validate-dataset.ts';

/** The data checks' verdict, in short (the full report is an artifact). */
export interface ValidationSummary {
  status: 'passed' | 'warned';
  issues: number;
  report: string;
}

/** What a training run returns. */
export interface TrainingResult {
  dataset: { name: string; version: string };
  model: { name: string; version: string; uri: string };
  metrics: EvaluationMetrics;
  /** Absent on runs started before validation existed, and in pipelines without it. */
  validation?: ValidationSummary;
  /** Absent on runs started before promotion existed, and in pipelines without it. */
  promotion?: PromotionOutcome;
}

/** The run's result from the dataset it used and the outputs of evaluate, register-model and (if run) validation and promotion. */
export function trainingResult(outcome: {
  dataset: DatasetVersion;
  evaluation: StepOutput<typeof evaluate>;
  registered: StepOutput<typeof registerModel>;
  validation?: StepOutput<typeof validateDataset>;
  promotion?: PromotionOutcome;
}): TrainingResult {
  const { dataset, evaluation, registered, validation, promotion } = outcome;
  return {
    dataset: { name: dataset.name, version: dataset.version },
    model: { name: registered.modelName, version: registered.version, uri: registered.model.uri },
    metrics: evaluation.metrics,
    ...(validation
      ? { validation: { status: validation.status, issues: validation.issues.length, report: validation.report.uri } }
      : {}),
    ...(promotion ? { promotion } : {}),
  };
}
