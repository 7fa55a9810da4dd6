import { recordTrainingOutcome } from '../run-record.ts';
import { reportRun } from '../run-report.ts';
import { runStep } from '../run-step.ts';
import { ingest } from '../steps/ingest.ts';
import { train } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import type { EvaluationMetrics } from '../steps/schemas.ts';
import { trainClassifierInput, type TrainClassifierInput } from './definition.ts';

/** What a train-classifier run returns. */
export interface TrainClassifierResult {
  dataset: { name: string; version: string };
  model: { name: string; version: string; uri: string };
  metrics: EvaluationMetrics;
}

/** ingest → train → evaluate → register-model → report. Artifacts move by reference only. */
export async function trainClassifier(rawInput: TrainClassifierInput): Promise<TrainClassifierResult> {
  const input = trainClassifierInput.parse(rawInput);
  const { dataset } = await runStep(ingest, { source: 'sklearn', dataset: input.dataset });
  const trained = await runStep(train, { dataset, model: input.model, split: input.split });
  const evaluation = await runStep(evaluate, { model: trained.model, holdout: trained.holdout });
  const registered = await runStep(registerModel, { modelName: input.modelName, model: trained.model, dataset, evaluation });
  recordTrainingOutcome({ datasetVersion: dataset.version, modelVersion: registered.version, metrics: evaluation.metrics });
  await reportRun({ pipeline: 'train-classifier', parameters: input, dataset, model: trained.model, evaluation, registered });
  return {
    dataset: { name: dataset.name, version: dataset.version },
    model: { name: registered.modelName, version: registered.version, uri: registered.model.uri },
    metrics: evaluation.metrics,
  };
}
