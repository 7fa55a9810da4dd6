/** Input and output of promote-model. Pure zod: pipelines import it too. */
import { z } from 'zod';
import { modelName, modelStage } from '../register-model/schema.ts';

/** A registered version: the first 12 hex of its model file's sha256 (the registry's MODEL_VERSION_PATTERN). */
export const modelVersion = z.string().regex(/^[0-9a-f]{12}$/, 'a registry version is 12 lowercase hex digits');

export const promoteModelInput = z.object({
  modelName,
  version: modelVersion,
  stage: modelStage.default('production'),
  /** Why; recorded in the version's stage history (and in production.json on a promotion). */
  reason: z.string().max(2000),
  /** Who decided; recorded with the reason. */
  by: z.string().min(1).max(200).optional(),
});
export type PromoteModelInput = z.input<typeof promoteModelInput>;

export const promoteModelOutput = z.object({
  modelName,
  version: z.string(),
  stage: modelStage,
  /** The version this call took out of production (the replaced one, or the demoted one itself); null when none. */
  previousProduction: z.string().nullable(),
});
export type PromoteModelOutput = z.infer<typeof promoteModelOutput>;
