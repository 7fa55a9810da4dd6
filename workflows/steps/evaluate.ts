import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { evaluationMetrics, trainedModel } from './schemas.ts';

export const evaluate = defineStep({
  name: 'evaluate',
  function: 'evaluate',
  description: 'Scores the model on the holdout rows and writes a report.',
  input: z.object({ model: trainedModel, holdout: artifactRef }),
  output: z.object({
    metrics: evaluationMetrics,
    confusionMatrix: z.array(z.array(z.number().int())),
    labels: z.array(z.union([z.string(), z.number()])),
    report: artifactRef,
  }),
  preset: 'quick',
});
