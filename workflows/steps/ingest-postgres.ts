import { z } from 'zod';
import { defineStep } from '../step-definition.ts';
import { datasetName } from './ingest.ts';
import { datasetVersion } from './schemas.ts';

/**
 * A PostgreSQL identifier as ingest-postgres accepts it (the function checks and quotes it again): a letter or
 * "_" first, then letters, digits, "_" or "$", at most 63 characters (PostgreSQL's NAMEDATALEN - 1).
 */
export const sqlIdentifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
    'a PostgreSQL identifier: a letter or "_", then letters, digits, "_" or "$" (at most 63)',
  );

export const ingestPostgres = defineStep({
  name: 'ingest-postgres',
  description:
    'Reads one table of an external PostgreSQL database and writes it as a content-addressed dataset version.',
  input: z
    .object({
      table: sqlIdentifier,
      schema: sqlIdentifier.default('public'),
      name: datasetName.optional().describe('Dataset name; default: the table name in lowercase.'),
      // Only compared with the catalog's column names (never put into SQL as text): any column name will do.
      target: z
        .string()
        .regex(/^[^\0]{1,63}$/, 'a column name: 1 to 63 characters, no NUL')
        .describe('The label column.'),
      limit: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Read at most this many rows (the first ones when ordered by every column).'),
    })
    .strict(),
  output: z.object({ dataset: datasetVersion }),
  preset: 'quick',
});
