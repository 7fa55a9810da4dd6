import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { datasetVersion, modelSpec, trainedModel } from './schemas.ts';

/** How the dataset is split into training and holdout rows. */
export const splitSpec = z
  .object({
    testSize: z.number().gt(0).lt(1).default(0.2),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(42),
  })
  .strict();

export const train = defineStep({
  name: 'train',
  description: 'Splits the dataset, fits scaler + estimator, saves the model (skops) and the holdout rows.',
  input: z
    .object({
      dataset: datasetVersion,
      model: modelSpec.prefault({ type: 'logistic_regression' }),
      split: splitSpec.prefault({}),
    })
    .strict(),
  output: z.object({
    model: trainedModel,
    holdout: artifactRef,
    trainRows: z.number().int().nonnegative(),
    holdoutRows: z.number().int().nonnegative(),
  }),
  preset: 'training',
});
