/** Input and output of register-model. Pure zod: pipelines import it too. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';

/** Model names become storage keys and registry paths: keep them boring. */
export const modelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (at most 63)');

export const registerModelInput = z.object({
  modelName,
  model: z.object({
    artifact: artifactRef,
    format: z.string(),
    type: z.string(),
    params: z.record(z.string(), z.unknown()),
    features: z.array(z.string()),
    classes: z.array(z.union([z.string(), z.number()])),
  }),
  dataset: z.object({ name: z.string(), version: z.string(), data: artifactRef }),
  evaluation: z.object({ metrics: z.record(z.string(), z.number()), report: artifactRef }),
});
export type RegisterModelInput = z.infer<typeof registerModelInput>;

export const registerModelOutput = z.object({
  modelName,
  version: z.string(),
  model: artifactRef,
  metadata: artifactRef,
});
export type RegisterModelOutput = z.infer<typeof registerModelOutput>;
