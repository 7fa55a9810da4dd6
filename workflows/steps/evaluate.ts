import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { modelName } from '../../functions/register-model/schema.ts';
import { modelSignature } from '../promotion/signature.ts';
import { evaluationMetrics, trainedModel } from './schemas.ts';

export const evaluate = defineStep({
  name: 'evaluate',
  description:
    'Scores the model on the holdout rows (optionally against the model now in production) and writes a report.',
  input: z.object({
    model: trainedModel,
    holdout: artifactRef,
    /** Also score the production version of this registered model on the same holdout rows. */
    compareWith: z.object({ modelName }).strict().optional(),
  }),
  output: z.object({
    metrics: evaluationMetrics,
    confusionMatrix: z.array(z.array(z.number().int())),
    labels: z.array(z.union([z.string(), z.number()])),
    report: artifactRef,
    /**
     * With compareWith: the production version's scores on the same rows; null when there is none, it is the
     * candidate itself, or it reads other features. Absent without compareWith (older runs).
     */
    production: z.object({ version: z.string(), metrics: evaluationMetrics }).nullable().optional(),
    /**
     * With compareWith: the version in production when evaluate ran, with its signature (model.json's, or one made
     * from its features and classes for versions registered before signatures) and, when it was not scored, why;
     * null when nothing is in production. Absent without compareWith (and from older evaluate functions).
     */
    inProduction: z
      .object({ version: z.string(), signature: modelSignature, notScored: z.string().optional() })
      .nullable()
      .optional(),
  }),
  preset: 'quick',
});
