/**
 * Where a training pipeline's data comes from: a dataset bundled with scikit-learn, a CSV file on an external
 * HTTP server (fetched by the `fetch-csv` function), or a table of an external PostgreSQL database. Every source
 * ends as a content-addressed dataset version in the artifact store.
 */
import { z } from 'zod';
import { runStep } from './run-step.ts';
import { fetchCsv } from './steps/fetch-csv.ts';
import { bundledDatasets, ingest } from './steps/ingest.ts';
import { ingestPostgres } from './steps/ingest-postgres.ts';
import type { DatasetVersion } from './steps/schemas.ts';

const datasetName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, "_" and "-" (at most 63)');

/** The pipeline input's `source`. */
export const datasetSource = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('sklearn'),
      dataset: z.enum(bundledDatasets).default('breast_cancer'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('csv'),
      name: datasetName.describe('The dataset name its versions are kept under.'),
      path: z
        .string()
        .min(1)
        .optional()
        .describe('Path of the CSV file on the fetch-csv server (relative to its RESOURCE_BASE_URL).'),
      url: z
        .string()
        .url()
        .optional()
        .describe("Or the absolute URL of the file: its host must be in fetch-csv's RESOURCE_ALLOWED_HOSTS."),
      target: z.string().min(1).describe('The label column.'),
    })
    .strict()
    .refine((source) => (source.path === undefined) !== (source.url === undefined), {
      message: 'give either path or url',
      path: ['path'],
    }),
  z
    .object({
      kind: z.literal('postgres'),
      table: z.string().min(1).describe('Table name in the database ingest-postgres is configured for.'),
      schema: z.string().min(1).optional(),
      name: datasetName.optional().describe('Dataset name; default: the table name.'),
      target: z.string().min(1).describe('The label column.'),
    })
    .strict(),
]);
export type DatasetSource = z.output<typeof datasetSource>;

/** Runs the source's steps and returns the dataset version they wrote. */
export async function acquireDataset(source: DatasetSource): Promise<DatasetVersion> {
  switch (source.kind) {
    case 'sklearn':
      return (await runStep(ingest, { source: 'sklearn', dataset: source.dataset })).dataset;
    case 'csv': {
      const where = source.url !== undefined ? { url: source.url } : { path: source.path };
      const fetched = await runStep(fetchCsv, { ...where, saveAs: 'source.csv' });
      return (await runStep(ingest, { source: 'csv', name: source.name, csv: fetched.artifact, target: source.target }))
        .dataset;
    }
    case 'postgres':
      return (
        await runStep(ingestPostgres, {
          table: source.table,
          target: source.target,
          ...(source.schema ? { schema: source.schema } : {}),
          ...(source.name ? { name: source.name } : {}),
        })
      ).dataset;
  }
}
