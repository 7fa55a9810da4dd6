/**
 * What a data-change watch watches, as the API takes it (pure zod: the watch workflow and the API share it), and
 * the probe step that answers each kind's version. Each source is probed by the function that owns it: only that
 * function reaches the external host or database and holds its credentials, never the orchestrator.
 */
import { z } from 'zod';
import { sqlIdentifier } from '../steps/ingest-postgres.ts';
import { objectPrefix } from '../steps/probe-prefix.ts';

/** The CSV behind fetch-csv: a path under its RESOURCE_BASE_URL, or a URL on one of its allowed hosts. */
export const csvSource = z
  .object({
    kind: z.literal('csv'),
    path: z.string().min(1).max(1000).optional().describe("Under fetch-csv's RESOURCE_BASE_URL, e.g. `wine.csv`."),
    url: z.string().min(1).max(2000).optional().describe("An absolute URL on one of fetch-csv's allowed hosts."),
    query: z.record(z.string().max(200), z.string().max(1000)).optional(),
  })
  .strict()
  // Exactly one of path and url: checked by `POST /watches` (with errors naming the field), said here for the
  // API document, so clients and the fuzz test know it too.
  .meta({ oneOf: [{ required: ['path'] }, { required: ['url'] }] });

/**
 * A table behind ingest-postgres: its version is the largest value of `highWaterMark` (a column that grows with
 * new rows, such as an `updated_at` or a serial id), or without one a checksum of the whole table (every change
 * counts, at the cost of reading the table).
 */
export const postgresSource = z
  .object({
    kind: z.literal('postgres'),
    table: sqlIdentifier,
    schema: sqlIdentifier.default('public'),
    highWaterMark: sqlIdentifier.optional().describe('A column whose largest value changes with new data.'),
  })
  .strict();

/**
 * Objects under a key prefix of the artifact bucket (under datasets/ or runs/, which ingest may list): its version is
 * a sha256 of the objects' sorted keys, ETags and sizes, so a new, changed or removed object counts.
 */
export const minioPrefixSource = z
  .object({
    kind: z.literal('minio-prefix'),
    prefix: objectPrefix,
  })
  .strict();

export const watchSource = z.discriminatedUnion('kind', [csvSource, postgresSource, minioPrefixSource]);
export type WatchSource = z.output<typeof watchSource>;
export type WatchSourceKind = WatchSource['kind'];
