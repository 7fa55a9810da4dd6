/** tune-classifier's input: every field has a default, so `{}` is a valid input. */
import { z } from 'zod';
import { datasetSource } from '../dataset-source.ts';
import { promotionRequest } from '../promotion/policy.ts';
import { validationPolicy } from '../steps/validate-dataset.ts';
import { splitSpec } from '../steps/train.ts';
import { modelSpec } from '../steps/schemas.ts';
import { modelName } from '../../functions/register-model/schema.ts';

/** A small default search: three regularisation strengths and two forests. */
const defaultCandidates = (): z.input<typeof modelSpec>[] => [
  { type: 'logistic_regression', params: { C: 0.1 } },
  { type: 'logistic_regression', params: { C: 1 } },
  { type: 'logistic_regression', params: { C: 10 } },
  { type: 'random_forest', params: { n_estimators: 50, max_depth: 4 } },
  { type: 'random_forest', params: { n_estimators: 100, max_depth: 8 } },
];

export const tuneClassifierInput = z.object({
  source: datasetSource.prefault({ kind: 'sklearn' }).describe('Where the data comes from (sklearn, csv or postgres).'),
  validation: validationPolicy.prefault({}),
  candidates: z
    .array(modelSpec)
    .min(1)
    .max(50)
    .prefault(defaultCandidates)
    .describe('The estimators and hyperparameters to try; each is one train + evaluate.'),
  maxConcurrent: z.number().int().min(1).max(16).default(2).describe('At most this many trainings run at once.'),
  metric: z.enum(['accuracy', 'f1']).default('f1').describe('The holdout metric that picks the best candidate.'),
  split: splitSpec.prefault({}),
  modelName: modelName.default('classifier'),
  promotion: promotionRequest
    .optional()
    .describe("Rules this run adds to the model's promotion policy: stricter only."),
});
export type TuneClassifierInput = z.input<typeof tuneClassifierInput>;
