import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { datasetVersion } from './schemas.ts';
import { splitSpec, train } from './train.ts';

/** Epoch-by-epoch training: long, resumable from its last checkpoint. */
export const trainEpochs = defineStep({
  name: 'train-epochs',
  description:
    'Trains an SGD classifier epoch by epoch, checkpointing each epoch; a retried attempt resumes from the last one.',
  input: z
    .object({
      dataset: datasetVersion,
      epochs: z.number().int().min(1).max(1000).default(20),
      secondsPerEpoch: z.number().min(0).max(600).default(0),
      alpha: z.number().positive().default(0.0001),
      split: splitSpec.prefault({}),
    })
    .strict(),
  output: train.output.extend({ curve: artifactRef.optional() }),
  preset: 'longTraining',
  mode: 'async',
});
