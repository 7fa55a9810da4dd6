import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { datasetVersion } from './schemas.ts';

/** The datasets bundled with scikit-learn (no download needed). */
export const bundledDatasets = ['breast_cancer', 'iris', 'wine', 'digits'] as const;

/** A dataset name: the folder its versions are kept under (`datasets/<name>/<version>/`). */
export const datasetName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'use lowercase letters, digits, "_" and "-" (at most 63, starting with a letter or digit)',
  );

/**
 * A bundled dataset; `source` may be left out, so `{}` and inputs of runs started before other sources stay valid.
 * Strict like the handler (it refuses other keys): a probe-prefix input must match no ingest shape.
 */
export const sklearnSource = z
  .object({
    source: z.literal('sklearn').default('sklearn'),
    dataset: z.enum(bundledDatasets).default('breast_cancer'),
  })
  .strict();

/** A raw CSV file already stored as an artifact (e.g. by fetch-csv); its header names the columns. */
export const csvSource = z
  .object({
    source: z.literal('csv'),
    name: datasetName,
    csv: artifactRef,
    target: z.string().min(1).describe('The label column; it must be in the CSV header.'),
  })
  .strict();

export const ingest = defineStep({
  name: 'ingest',
  description:
    'Loads a dataset (bundled with scikit-learn, or a stored CSV file) and writes it as a content-addressed dataset version.',
  input: z.discriminatedUnion('source', [sklearnSource, csvSource]),
  output: z.object({ dataset: datasetVersion }),
  preset: 'quick',
});
