/** train-classifier-resumable's input: every field has a default, so `{}` is a valid input. */
import { z } from 'zod';
import { bundledDatasets } from '../steps/ingest.ts';
import { splitSpec } from '../steps/train.ts';
import { modelName } from '../../functions/register-model/schema.ts';

export const resumableInput = z.object({
  dataset: z.enum(bundledDatasets).default('breast_cancer'),
  epochs: z.number().int().min(1).max(1000).default(10).describe('Passes over the training rows; one checkpoint each.'),
  secondsPerEpoch: z
    .number()
    .min(0)
    .max(600)
    .default(0)
    .describe('Minimum wall time per epoch (to make a training last).'),
  alpha: z.number().positive().default(0.0001),
  split: splitSpec.prefault({}),
  modelName: modelName.default('classifier-sgd'),
});
export type ResumableInput = z.input<typeof resumableInput>;
