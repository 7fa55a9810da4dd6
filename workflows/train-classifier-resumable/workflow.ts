import { recordTrainingOutcome } from '../run-record.ts';
import { reportRun } from '../run-report.ts';
import { runStep } from '../run-step.ts';
import { ingest } from '../steps/ingest.ts';
import { trainEpochs } from '../steps/train-epochs.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { trainingResult, type TrainingResult } from '../training-result.ts';
import { resumableInput, type ResumableInput } from './input.ts';

/** ingest → train-epochs (long, resumable) → evaluate → register-model → report. */
export async function trainClassifierResumable(rawInput: ResumableInput): Promise<TrainingResult> {
  const input = resumableInput.parse(rawInput);
  const { dataset } = await runStep(ingest, { source: 'sklearn', dataset: input.dataset });
  const trained = await runStep(trainEpochs, {
    dataset,
    epochs: input.epochs,
    secondsPerEpoch: input.secondsPerEpoch,
    alpha: input.alpha,
    split: input.split,
  });
  const evaluation = await runStep(evaluate, { model: trained.model, holdout: trained.holdout });
  const registered = await runStep(registerModel, {
    modelName: input.modelName,
    model: trained.model,
    dataset,
    evaluation,
  });
  recordTrainingOutcome({ dataset, registered, evaluation });
  await reportRun({
    pipeline: 'train-classifier-resumable',
    parameters: input,
    dataset,
    model: trained.model,
    curve: trained.curve,
    evaluation,
    registered,
  });
  return trainingResult({ dataset, evaluation, registered });
}
