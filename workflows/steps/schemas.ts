/** Shapes that several steps exchange: datasets and models, always by artifact reference. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';

/**
 * A dataset's name or version as a storage-key segment (`datasets/<name>/<version>/`): no slash, no "..", nothing that
 * leaves the dataset's folder.
 */
const keySegment = z
  .string()
  .regex(
    /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'a name like "wine" or a version like "0a1b2c3d4e5f" (letters, digits, "_", "-", "."; no "..")',
  );

/**
 * A dataset version written by an ingest step (content-addressed in the artifact store). Extra keys are let through:
 * ingest's output may grow. The feature columns are distinct and exclude the target: the steps reading a dataset check
 * that (JSON Schema cannot say it).
 */
export const datasetVersion = z.object({
  name: keySegment,
  version: keySegment,
  data: artifactRef,
  schema: artifactRef,
  rows: z.number().int().nonnegative(),
  columns: z.array(z.string().min(1)).min(1),
  target: z.string().min(1),
  /** The version this dataset name had before this ingest (validate-dataset compares against it); null for the first. */
  previousVersion: keySegment.nullable().optional(),
});
export type DatasetVersion = z.infer<typeof datasetVersion>;

/** The model families the train step knows, with their hyperparameters' allowed ranges and defaults. */
export const modelSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('logistic_regression'),
      params: z
        .object({
          C: z.number().positive().default(1),
          // 1000, not scikit-learn's 100: lbfgs may stop short on wider datasets (digits) and only warn.
          max_iter: z.number().int().min(1).max(10_000).default(1000),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
  z
    .object({
      type: z.literal('random_forest'),
      params: z
        .object({
          n_estimators: z.number().int().min(1).max(1000).default(100),
          max_depth: z.number().int().min(1).max(100).nullable().default(null),
          min_samples_leaf: z.number().int().min(1).default(1),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof modelSpec>;

/** A trained model artifact and what is needed to use it. */
export const trainedModel = z.object({
  artifact: artifactRef,
  format: z.literal('skops'),
  type: z.string(),
  params: z.record(z.string(), z.unknown()),
  features: z.array(z.string()),
  classes: z.array(z.union([z.string(), z.number()])),
  target: z.string(),
});
export type TrainedModel = z.infer<typeof trainedModel>;

/** Holdout metrics of a model. */
export const evaluationMetrics = z.object({
  accuracy: z.number().min(0).max(1),
  f1: z.number().min(0).max(1),
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  holdoutRows: z.number().int().nonnegative(),
});
export type EvaluationMetrics = z.infer<typeof evaluationMetrics>;
