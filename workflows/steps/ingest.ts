import { z } from 'zod';
import { defineStep } from '../step-definition.ts';
import { datasetVersion } from './schemas.ts';

/** The datasets bundled with scikit-learn (no download needed). */
export const bundledDatasets = ['breast_cancer', 'iris', 'wine', 'digits'] as const;

export const ingest = defineStep({
  name: 'ingest',
  function: 'ingest',
  description: 'Loads a dataset and writes it as a content-addressed dataset version.',
  input: z.object({ source: z.literal('sklearn').default('sklearn'), dataset: z.enum(bundledDatasets).default('breast_cancer') }),
  output: z.object({ dataset: datasetVersion }),
  preset: 'quick',
});
