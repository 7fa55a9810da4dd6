import { z } from 'zod';
import { defineStep } from '../step-definition.ts';

/**
 * A key prefix of the artifact bucket under one of ingest's read prefixes (`datasets/`, `runs/`): folder names of
 * letters, digits, `.`, `_`, `-`, none starting with `.` (so no `..`). The same check as functions/ingest/prefix_probe.py's.
 */
export const objectPrefix = z
  .string()
  .max(500)
  .regex(/^(datasets|runs)\/([A-Za-z0-9_-][A-Za-z0-9._-]*\/)*([A-Za-z0-9_-][A-Za-z0-9._-]*)?$/, {
    message:
      'must be a key prefix under datasets/ or runs/ (folder names of letters, digits, ".", "_", "-", not starting with ".")',
  })
  .describe('A key prefix of the artifact bucket, e.g. `datasets/wine/`.');

/**
 * The version of the objects under a MinIO prefix, asked of ingest (which may list datasets/ and runs/): a sha256
 * over their sorted key, ETag and size. A data-change watch calls it at each poll; no object is read.
 */
export const probePrefix = defineStep({
  name: 'probe-prefix',
  function: 'ingest',
  description:
    'The version of the objects under one key prefix of the artifact bucket now: a sha256 of their sorted keys, ETags and sizes (at most 10,000 objects).',
  input: z
    .object({
      probe: z.literal(true).describe('Answer the version of the prefix only; store nothing.'),
      prefix: objectPrefix,
    })
    .strict(),
  output: z.object({
    /** `sha256:<hex>;objects:<count>`, or `empty` when no object is under the prefix. */
    version: z.string().min(1).max(300),
    objects: z.number().int().nonnegative(),
  }),
  preset: 'quick',
});
