/**
 * The requests of the watches routes as the routes check them (each field bounded, errors naming the field path):
 * a watch on a data source (workflows/data-change-watch/source.ts) that starts a pipeline once per new data
 * version, polling at an interval between the orchestrator's minimum (BATON_WATCH_MIN_INTERVAL_SECONDS, 10 s by
 * default) and a day.
 */
import { z } from 'zod';
import { watchSource } from '../../../workflows/data-change-watch/source.ts';
import { DEFAULT_LIST_LIMIT, DEFAULT_WATCH_MIN_INTERVAL_SECONDS } from '../defaults.ts';
import { durationSchema } from './duration.ts';
import { scheduleIdSchema } from './schedule-spec.ts';

/** The longest interval: a source polled less often than daily wants a schedule instead. */
export const MAX_WATCH_INTERVAL_MS = 86_400_000;

/** Letters, digits, `.`, `_`, `-`, at most 100 (as a schedule id): in URLs and in the ids of the runs it starts. */
export const watchIdSchema = scheduleIdSchema;

/** `POST /watches`, with the orchestrator's minimum interval. */
export function createWatchBody(minIntervalMs = DEFAULT_WATCH_MIN_INTERVAL_SECONDS * 1000) {
  return z
    .object({
      watchId: watchIdSchema.optional().describe('Default: `<pipeline>-<8 hex digits>`.'),
      pipeline: z.string().min(1).max(128),
      input: z.unknown().default({}).describe("Checked against the pipeline's input schema, as by `POST /runs`."),
      source: watchSource,
      interval: durationSchema(minIntervalMs, MAX_WATCH_INTERVAL_MS)
        .default('1m')
        .describe('How often the source is probed.'),
      runOnFirstVersion: z
        .boolean()
        .default(false)
        .describe('Start a run for the version the first poll sees too (default: it is the baseline).'),
    })
    .strict()
    .superRefine((body, ctx) => {
      if (body.source.kind !== 'csv') return;
      const given = [body.source.path, body.source.url].filter((value) => value !== undefined).length;
      if (given !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['source', given === 0 ? 'path' : 'url'],
          message:
            given === 0
              ? "give path (under fetch-csv's RESOURCE_BASE_URL) or url"
              : 'give either path or url, not both',
        });
    });
}
export type CreateWatchBody = z.output<ReturnType<typeof createWatchBody>>;

export const watchParams = z.object({ watchId: watchIdSchema });

export const MAX_WATCH_LIST_LIMIT = 1000;

export const watchListParams = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_WATCH_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
});
