/**
 * The registry's documents as zod schemas, checked whenever one is read: a broken document fails naming its key
 * and field instead of surfacing as an odd value far away. Objects stay loose, so fields a newer writer adds survive.
 */
import { z } from 'zod';
import { MODEL_STAGES } from './layout.ts';

export const modelStage = z.enum(MODEL_STAGES);

const fileRef = z.object({ uri: z.string(), sha256: z.string(), size: z.number().int().nonnegative() });

/** `model.json`: written once at registration, never changed. */
export const modelMetadata = z.looseObject({
  name: z.string(),
  version: z.string(),
  registeredAt: z.string(),
  model: z.looseObject({ ...fileRef.shape, format: z.string(), type: z.string() }),
  params: z.record(z.string(), z.unknown()),
  features: z.array(z.string()),
  classes: z.array(z.union([z.string(), z.number()])),
  /** Absent in versions registered before it was recorded. */
  target: z.string().optional(),
  metrics: z.record(z.string(), z.number()),
  lineage: z.looseObject({
    dataset: z.looseObject({ name: z.string(), version: z.string(), uri: z.string() }),
    run: z.looseObject({ pipeline: z.string(), workflowId: z.string(), runId: z.string(), step: z.string() }),
    /** The pipeline's input parameters; absent when the pipeline did not pass them. */
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** The code the model was trained with (`BATON_CODE_VERSION`); absent in older versions. */
    codeVersion: z.string().optional(),
    trainedArtifact: z.string(),
    evaluationReport: z.string(),
  }),
});
export type ModelMetadata = z.infer<typeof modelMetadata>;

/** One change of a version's stage. */
export const stageChange = z.object({ stage: modelStage, at: z.string(), by: z.string(), reason: z.string() });
export type StageChange = z.infer<typeof stageChange>;

/** `stage.json`: a version's stage and how it got there, oldest change first. */
export const stageDocument = z.looseObject({ stage: modelStage, changedAt: z.string(), history: z.array(stageChange) });
export type StageDocument = z.infer<typeof stageDocument>;

/** `production.json`: which version serves, since when, who decided and why. */
export const productionPointer = z.looseObject({
  version: z.string(),
  model: z.looseObject(fileRef.shape),
  promotedAt: z.string(),
  by: z.string(),
  reason: z.string(),
});
export type ProductionPointer = z.infer<typeof productionPointer>;
