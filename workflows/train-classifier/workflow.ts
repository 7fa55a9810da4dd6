import { patched } from '@temporalio/workflow';
import { acquireDataset } from '../dataset-source.ts';
import { PromotionApproval } from '../promotion/approval.ts';
import { promoteTrained } from '../promotion/promote.ts';
import { recordTrainingOutcome } from '../run-record.ts';
import { reportRun } from '../run-report.ts';
import { runStep } from '../run-step.ts';
import { train } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { validateDataset } from '../steps/validate-dataset.ts';
import { trainingResult, type TrainingResult } from '../training-result.ts';
import { trainClassifierInput, type TrainClassifierInput } from './input.ts';

/** What a train-classifier run returns. */
export type TrainClassifierResult = TrainingResult;

/** Runs started before these steps existed replay without them. */
const VALIDATION_PATCH = 'baton-validate-v1';
const PROMOTION_PATCH = 'baton-promotion-v1';

/**
 * source → validate-dataset → train → evaluate (also against production) → register-model (staging) → promotion
 * rules, maybe a person's approval → promote-model → report. Artifacts move by reference only.
 */
export async function trainClassifier(rawInput: TrainClassifierInput): Promise<TrainClassifierResult> {
  const input = trainClassifierInput.parse(rawInput);
  const approval = new PromotionApproval(); // handlers first: a decision may arrive at any time
  const dataset = await acquireDataset(input.source ?? { kind: 'sklearn', dataset: input.dataset });
  const validation = patched(VALIDATION_PATCH)
    ? await runStep(validateDataset, { dataset, policy: input.validation })
    : undefined;
  const trained = await runStep(train, { dataset, model: input.model, split: input.split });
  const evaluation = await runStep(evaluate, {
    model: trained.model,
    holdout: trained.holdout,
    compareWith: { modelName: input.modelName },
  });
  const registered = await runStep(registerModel, {
    modelName: input.modelName,
    model: trained.model,
    dataset,
    evaluation,
    parameters: input,
  });
  recordTrainingOutcome({ dataset, registered, evaluation });
  const promotion = patched(PROMOTION_PATCH)
    ? await promoteTrained({ request: input.promotion ?? {}, approval, model: trained.model, evaluation, registered })
    : undefined;
  await reportRun({
    pipeline: 'train-classifier',
    parameters: input,
    dataset,
    model: trained.model,
    evaluation,
    registered,
    validation,
    promotion,
  });
  return trainingResult({ dataset, evaluation, registered, validation, promotion });
}
