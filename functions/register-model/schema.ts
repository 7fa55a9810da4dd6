/** Input and output of register-model. Pure zod: pipelines import it too. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';

/** Model names become storage keys and registry paths: keep them boring (the registry's MODEL_NAME_PATTERN). */
export const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (at most 63)');

/** The stages of a registered version (the registry's MODEL_STAGES). */
export const modelStage = z.enum(['staging', 'production', 'archived']);

export const registerModelInput = z.object({
  modelName,
  model: z.object({
    artifact: artifactRef,
    format: z.string(),
    type: z.string(),
    params: z.record(z.string(), z.unknown()),
    features: z.array(z.string()),
    classes: z.array(z.union([z.string(), z.number()])),
    /** The predicted column; optional for callers older than it. */
    target: z.string().optional(),
  }),
  dataset: z.object({ name: z.string(), version: z.string(), data: artifactRef }),
  evaluation: z.object({ metrics: z.record(z.string(), z.number()), report: artifactRef }),
  /** The pipeline's input parameters, recorded in the version's lineage. */
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type RegisterModelInput = z.infer<typeof registerModelInput>;

export const registerModelOutput = z.object({
  modelName,
  version: z.string(),
  model: artifactRef,
  metadata: artifactRef,
  /** The version's stage after registering: staging when new (optional: older runs' outputs lack it). */
  stage: modelStage.optional(),
});
export type RegisterModelOutput = z.infer<typeof registerModelOutput>;
