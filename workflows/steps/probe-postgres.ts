import { z } from 'zod';
import { defineStep } from '../step-definition.ts';
import { sqlIdentifier } from './ingest-postgres.ts';

/**
 * The version of a table behind ingest-postgres, asked of ingest-postgres itself: only it holds the database's
 * password. A data-change watch calls it at each poll; nothing is read out of the database but one row.
 */
export const probePostgres = defineStep({
  name: 'probe-postgres',
  function: 'ingest-postgres',
  description:
    "The version of one table now: the largest value of its high-water-mark column, or else an md5 of the whole table's rows (computed in the database).",
  input: z
    .object({
      probe: z.literal(true).describe('Answer the version of the table only; store nothing.'),
      table: sqlIdentifier,
      schema: sqlIdentifier.default('public'),
      highWaterMark: sqlIdentifier.optional().describe('A column whose largest value changes with new data.'),
    })
    .strict(),
  output: z.object({
    /** `max:<largest value>` or `md5:<hex>;rows:<count>`. */
    version: z.string().min(1).max(300),
    basis: z.enum(['high-water-mark', 'checksum']),
    rows: z.number().int().nonnegative(),
  }),
  preset: 'quick',
});
