/**
 * The registry's documents as zod schemas, checked whenever one is read: a broken document fails naming its key
 * and field instead of surfacing as an odd value far away. Objects stay loose, so fields a newer writer adds survive.
 */
import { z } from 'zod';
import { promotionPolicy } from '../workflows/promotion/policy.ts';
import { modelSignature } from '../workflows/promotion/signature.ts';
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
  /**
   * What the version reads and answers (features with types, in order; classes): promotion compares it with
   * production's. Absent in versions registered before it was recorded: `signatureOf` their features and classes.
   */
  signature: modelSignature.optional(),
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

/** One earlier version of a model's policy, as it was (rules kept as written then). */
export const policyRevision = z.looseObject({
  version: z.number().int().positive(),
  rules: z.record(z.string(), z.unknown()),
  updatedAt: z.string(),
  updatedBy: z.string(),
  reason: z.string(),
});
export type PolicyRevision = z.infer<typeof policyRevision>;

/**
 * `policy.json`: the model's promotion rules, versioned (1, 2, …), who set them, when and why, and the earlier
 * versions (oldest first). `rules` is strict: a rule this code does not know must not be silently dropped (that
 * could loosen the policy), so such a document fails naming the field.
 */
export const modelPolicyDocument = z.looseObject({
  version: z.number().int().positive(),
  rules: promotionPolicy,
  updatedAt: z.string(),
  updatedBy: z.string(),
  reason: z.string(),
  history: z.array(policyRevision),
});
export type ModelPolicyDocument = z.infer<typeof modelPolicyDocument>;

/** policy.json as a writer reads it before replacing it: rules not checked, so a broken policy can be replaced. */
export const modelPolicyForRewrite = modelPolicyDocument.extend({ rules: z.record(z.string(), z.unknown()) });
