/**
 * The requests of the schedules routes as the routes check them (each field bounded, errors naming the field), and
 * their translation to a Temporal Schedule: when it fires (cron expressions and/or intervals, a time zone, jitter,
 * a start and an end), what it does when a run is still going (the overlap policy) and after an outage (the
 * catch-up window).
 */
import { z } from 'zod';
import { ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import { runIdSchema } from './runs-routes.ts';
import { DEFAULT_LIST_LIMIT } from '../defaults.ts';
import { durationMs, durationSchema, wellFormed } from './duration.ts';

/** A duration between `min` and `max` (inclusive), as `"30s"`. */
function duration(min: string, max: string) {
  return durationSchema(durationMs(min), durationMs(max));
}

/** Letters, digits, `.`, `_`, `-`, at most 100: a Temporal Schedule id, also in URLs. */
export const scheduleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'use letters, digits, ".", "_" and "-" (at most 100)');

const CRON_FIELD = '[0-9A-Za-z*?,/#-]+';
/** 5 to 7 fields (`[second] minute hour day-of-month month day-of-week [year]`) or an `@daily`-style shorthand. */
const cronExpression = z
  .string()
  .max(128)
  .regex(
    new RegExp(`^(@(yearly|annually|monthly|weekly|daily|hourly)|${CRON_FIELD}( ${CRON_FIELD}){4,6})$`),
    'a cron expression of 5 to 7 fields ("0 3 * * *": 03:00 every day) or @hourly, @daily, @weekly, @monthly, @yearly; the time zone goes in spec.timezone, intervals in spec.intervals',
  );

const timeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'an IANA time zone such as "Europe/Paris" or "UTC"')
  .refine(isTimeZone, 'an IANA time zone such as "Europe/Paris" or "UTC"');

const MAX_SPAN = '3650d';

const interval = z
  .object({
    every: duration('1s', MAX_SPAN).describe('How often: "2s", "15m", "1d".'),
    offset: duration('0s', MAX_SPAN).optional().describe('Shift from the epoch-aligned times ("15m" of "1h": xx:15).'),
  })
  .strict()
  .refine((value) => !wellFormed(value.offset, value.every) || durationMs(value.offset!) < durationMs(value.every), {
    path: ['offset'],
    message: 'must be shorter than every',
  });

/** When a schedule fires: the union of its cron expressions' and its intervals' times, within `startAt`–`endAt`. */
export const scheduleSpecBody = z
  .object({
    cron: z.array(cronExpression).max(10).optional(),
    intervals: z.array(interval).max(10).optional(),
    timezone: timeZone.optional().describe('Of the cron expressions; default UTC.'),
    jitter: duration('0s', '1d').optional().describe('Each time moves later by a random amount up to this.'),
    startAt: z.iso.datetime({ offset: true }).optional().describe('No run before this time.'),
    endAt: z.iso.datetime({ offset: true }).optional().describe('No run after this time.'),
  })
  .strict()
  .refine((spec) => (spec.cron?.length ?? 0) + (spec.intervals?.length ?? 0) > 0, {
    path: ['cron'],
    message: 'give at least one cron expression or one interval (spec.intervals: [{"every": "1h"}])',
  })
  .refine((spec) => !(Date.parse(spec.endAt ?? '') <= Date.parse(spec.startAt ?? '')), {
    path: ['endAt'],
    message: 'must be after startAt',
  });
export type ScheduleSpecBody = z.output<typeof scheduleSpecBody>;

/** What a schedule does when its time comes and its last run is still going (Temporal's overlap policies). */
export const OVERLAP_POLICIES = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
const overlap = z.enum(OVERLAP_POLICIES);

const TEMPORAL_OVERLAP = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const satisfies Record<OverlapPolicy, ScheduleOverlapPolicy>;

/** The API's name of an overlap policy → Temporal's. */
export function temporalOverlap(policy: OverlapPolicy): (typeof TEMPORAL_OVERLAP)[OverlapPolicy] {
  return TEMPORAL_OVERLAP[policy];
}

/** Temporal's overlap policy → the API's name (unknown or unset: Temporal's default, skip). */
export function overlapName(policy: ScheduleOverlapPolicy | undefined): OverlapPolicy {
  const entry = Object.entries(TEMPORAL_OVERLAP).find(([, temporal]) => temporal === policy);
  return (entry?.[0] as OverlapPolicy | undefined) ?? 'skip';
}

const note = z.string().max(500);

export const schedulePolicyBody = z
  .object({
    overlap: overlap.default('skip').describe('When a run of the schedule is still going at its next time.'),
    catchupWindow: duration('10s', '365d')
      .optional()
      .describe("How late a missed time (the server was down) may still run; default Temporal's, 365d."),
    pauseOnFailure: z.boolean().default(false).describe('Pause the schedule when one of its runs fails.'),
  })
  .strict();

/** `POST /schedules`. */
export const createScheduleBody = z
  .object({
    scheduleId: scheduleIdSchema.optional().describe('Default: `<pipeline>-<8 hex digits>`.'),
    pipeline: z.string().min(1).max(128),
    input: z.unknown().default({}).describe("Checked against the pipeline's input schema, as by `POST /runs`."),
    spec: scheduleSpecBody,
    policy: schedulePolicyBody.default({ overlap: 'skip', pauseOnFailure: false }),
    paused: z.boolean().default(false).describe('Create it paused (say why in `note`).'),
    note: note.optional(),
  })
  .strict();
export type CreateScheduleBody = z.output<typeof createScheduleBody>;

/** `POST /schedules/{id}/pause` and `/unpause`: why, for the people who see it. */
export const noteBody = z.object({ note: note.optional() }).strict();

/** `POST /schedules/{id}/trigger`: the overlap policy of this one run (default allow-all: it starts now). */
export const triggerScheduleBody = z.object({ overlap: overlap.default('allow-all') }).strict();

export const scheduleParams = z.object({ scheduleId: scheduleIdSchema });

export const MAX_SCHEDULE_LIST_LIMIT = 1000;

export const scheduleListParams = z.object({
  pipeline: runIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
});

/** The request's spec as Temporal takes it. */
export function temporalSpec(spec: ScheduleSpecBody): ScheduleSpec {
  return {
    ...(spec.cron?.length ? { cronExpressions: spec.cron } : {}),
    ...(spec.intervals?.length
      ? {
          intervals: spec.intervals.map((each) => ({
            every: durationMs(each.every),
            ...(each.offset ? { offset: durationMs(each.offset) } : {}),
          })),
        }
      : {}),
    ...(spec.timezone ? { timezone: spec.timezone } : {}),
    ...(spec.jitter ? { jitter: durationMs(spec.jitter) } : {}),
    ...(spec.startAt ? { startAt: new Date(spec.startAt) } : {}),
    ...(spec.endAt ? { endAt: new Date(spec.endAt) } : {}),
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
