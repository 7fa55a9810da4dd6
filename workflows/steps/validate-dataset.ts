import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { datasetVersion } from './schemas.ts';

const fraction = z.number().min(0).max(1);

/**
 * What validate-dataset counts as an issue, and what an issue does: `fail` stops the run (the step answers 422,
 * naming the columns), `warn` lets it go on with status `warned`. Every field has a default; the function gets them
 * through its generated step.schema.json (`npm run gen:contract`). The defaults are
 * calibrated so the bundled scikit-learn datasets pass without an issue while a few values 50 standard deviations
 * out fail their column (see functions/validate-dataset/validation_outliers.py).
 */
export const validationPolicy = z
  .object({
    onIssue: z.enum(['warn', 'fail']).default('fail').describe('What an issue does: fail the run, or warn and go on.'),
    maxMissingFraction: fraction
      .default(0)
      .describe('Largest tolerated fraction of missing values per feature column (train takes none).'),
    maxRowCountChange: z
      .number()
      .min(0)
      .default(0.5)
      .describe('Largest tolerated relative change of the row count since the previous version.'),
    maxSizeChange: z
      .number()
      .min(0)
      .default(0.5)
      .describe("Largest tolerated relative change of data.csv's size since the previous version."),
    outliers: z
      .object({
        zScore: z
          .number()
          .positive()
          .default(6)
          .describe('A value is an outlier when its |z| exceeds this and it lies beyond the IQR fence.'),
        iqrFactor: z
          .number()
          .min(0)
          .default(20)
          .describe('The IQR fence: this many IQRs outside the quartiles (the z-score must exceed its threshold too).'),
        maxOutlierFraction: fraction.default(0).describe('Largest tolerated fraction of outliers per column.'),
        isolationForest: z
          .object({
            enabled: z.boolean().default(true),
            maxAnomalyFraction: fraction
              .default(0.3)
              .describe('Largest tolerated fraction of rows IsolationForest calls anomalous.'),
            seed: z
              .number()
              .int()
              .min(0)
              .max(2 ** 32 - 1)
              .default(42),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ValidationPolicy = z.infer<typeof validationPolicy>;

/** The checks validate-dataset runs; an issue names the one that found it. */
export const validationChecks = [
  'schema',
  'type',
  'missing',
  'rowCount',
  'size',
  'previousVersion',
  'outliers',
  'isolationForest',
] as const;

/** One finding: which check, which column (absent for whole-dataset checks), what was measured against which limit. */
export const validationIssue = z.object({
  check: z.enum(validationChecks),
  column: z.string().optional(),
  severity: z.enum(['warning', 'error']),
  message: z.string(),
  value: z.union([z.number(), z.string()]).optional(),
  limit: z.union([z.number(), z.string()]).optional(),
});
export type ValidationIssue = z.infer<typeof validationIssue>;

export const validateDataset = defineStep({
  name: 'validate-dataset',
  description:
    'Checks schema, types, missing values, changes since the previous version and outliers; writes a report.',
  input: z.object({ dataset: datasetVersion, policy: validationPolicy.prefault({}) }).strict(),
  output: z.object({
    status: z.enum(['passed', 'warned']),
    issues: z.array(validationIssue),
    report: artifactRef,
  }),
  preset: 'quick',
});
