import { acquireDataset } from '../dataset-source.ts';
import { mapWithLimit } from '../fan-out.ts';
import { PromotionApproval } from '../promotion/approval.ts';
import { promoteTrained } from '../promotion/promote.ts';
import { recordTrainingOutcome } from '../run-record.ts';
import { reportRun } from '../run-report.ts';
import { runStep } from '../run-step.ts';
import { train } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { validateDataset } from '../steps/validate-dataset.ts';
import type { ModelSpec } from '../steps/schemas.ts';
import { trainingResult, type TrainingResult } from '../training-result.ts';
import { tuneClassifierInput, type TuneClassifierInput } from './input.ts';

/** One tried candidate in the result. */
export interface CandidateScore {
  index: number;
  model: ModelSpec;
  metrics: { accuracy: number; f1: number };
}

/** What a tune-classifier run returns: the registered best, and every candidate's score. */
export interface TuneClassifierResult extends TrainingResult {
  best: number;
  candidates: CandidateScore[];
}

/**
 * source → validate-dataset → (train#i → evaluate#i) for every candidate, at most `maxConcurrent` at once → the
 * best by `metric` (ties: the earlier candidate) → register-model → promotion → report.
 */
export async function tuneClassifier(rawInput: TuneClassifierInput): Promise<TuneClassifierResult> {
  const input = tuneClassifierInput.parse(rawInput);
  const approval = new PromotionApproval();
  const dataset = await acquireDataset(input.source);
  const validation = await runStep(validateDataset, { dataset, policy: input.validation });
  const tried = await mapWithLimit(input.candidates, input.maxConcurrent, async (model, index) => {
    const trained = await runStep(train, { dataset, model, split: input.split }, { id: `train#${index + 1}` });
    const evaluation = await runStep(
      evaluate,
      { model: trained.model, holdout: trained.holdout, compareWith: { modelName: input.modelName } },
      { id: `evaluate#${index + 1}` },
    );
    return { trained, evaluation };
  });
  const best = tried.reduce(
    (bestIndex, candidate, index) =>
      candidate.evaluation.metrics[input.metric] > tried[bestIndex]!.evaluation.metrics[input.metric]
        ? index
        : bestIndex,
    0,
  );
  const { trained, evaluation } = tried[best]!;
  const registered = await runStep(registerModel, {
    modelName: input.modelName,
    model: trained.model,
    dataset,
    evaluation,
    parameters: { ...input, chosen: best },
  });
  recordTrainingOutcome({ dataset, registered, evaluation });
  const promotion = await promoteTrained({
    request: input.promotion ?? {},
    approval,
    model: trained.model,
    evaluation,
    registered,
  });
  await reportRun({
    pipeline: 'tune-classifier',
    parameters: input,
    dataset,
    model: trained.model,
    evaluation,
    registered,
    validation,
    promotion,
  });
  return {
    ...trainingResult({ dataset, evaluation, registered, validation, promotion }),
    best,
    candidates: tried.map(({ evaluation: scored }, index) => ({
      index,
      model: input.candidates[index]!,
      metrics: { accuracy: scored.metrics.accuracy, f1: scored.metrics.f1 },
    })),
  };
}
