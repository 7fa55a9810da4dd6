/** train-classifier's input: every field has a default, so `{}` is a valid input. */
import { z } from 'zod';
import { datasetSource } from '../dataset-source.ts';
import { promotionRequest } from '../promotion/policy.ts';
import { bundledDatasets } from '../steps/ingest.ts';
import { validationPolicy } from '../steps/validate-dataset.ts';
import { splitSpec } from '../steps/train.ts';
import { modelSpec } from '../steps/schemas.ts';
import { modelName } from '../../functions/register-model/schema.ts';

export const trainClassifierInput = z.object({
  dataset: z
    .enum(bundledDatasets)
    .default('breast_cancer')
    .describe('Shorthand for source {kind: "sklearn", dataset}.'),
  source: datasetSource
    .optional()
    .describe('Where the data comes from (sklearn, csv or postgres); default: the bundled `dataset`.'),
  validation: validationPolicy.prefault({}).describe('Data checks and whether a finding fails the run or warns.'),
  model: modelSpec.prefault({ type: 'logistic_regression', params: {} }).describe('Estimator and hyperparameters.'),
  split: splitSpec.prefault({}),
  modelName: modelName.default('classifier').describe('Registry name of the trained model.'),
  promotion: promotionRequest
    .optional()
    .describe(
      'Rules this run adds to the model\'s promotion policy: stricter only (see README, "Promotion rules belong to the model").',
    ),
});
export type TrainClassifierInput = z.input<typeof trainClassifierInput>;
