/**
 * What the schedules routes answer: a schedule as Temporal describes it (state, recent runs, next times), with what
 * Baton keeps in its memo (the pipeline, who created it, the cron expressions as written), and the answers' schemas
 * for the OpenAPI document.
 */
import { z } from 'zod';
import type { ScheduleDescription, ScheduleSummary } from '@temporalio/client';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';
import { starterIn, type RunStarter } from './pipeline-start.ts';
import { answers } from './route-doc.ts';
import { formatDurationMs } from './duration.ts';
import { OVERLAP_POLICIES, overlapName, type ScheduleSpecBody } from './schedule-spec.ts';

/** What Baton keeps in a schedule's memo. */
export interface ScheduleMemo {
  pipeline: string;
  createdBy: RunStarter;
  /** The spec as its creator wrote it: Temporal answers cron expressions as calendars. */
  spec: ScheduleSpecBody;
}

export interface ScheduleLinks {
  self: string;
  temporalUi?: string;
}

/** One schedule in `GET /schedules`. */
export interface ScheduleSummaryView {
  scheduleId: string;
  pipeline: string;
  paused: boolean;
  note?: string;
  createdBy?: string;
  nextActionTimes: string[];
  lastRun?: { runId: string; takenAt: string };
}

/** `GET /schedules/{id}`. */
export interface ScheduleView {
  scheduleId: string;
  pipeline: string;
  input?: unknown;
  spec: {
    cron?: string[];
    intervals?: { every: string; offset?: string }[];
    timezone?: string;
    jitter?: string;
    startAt?: string;
    endAt?: string;
  };
  policy: { overlap: (typeof OVERLAP_POLICIES)[number]; catchupWindow: string; pauseOnFailure: boolean };
  state: { paused: boolean; note?: string; remainingActions?: number };
  createdBy?: RunStarter;
  createdAt: string;
  updatedAt?: string;
  actions: { taken: number; skippedOverlap: number; missedCatchupWindow: number };
  recentActions: { runId: string; scheduledAt: string; takenAt: string }[];
  runningRuns: string[];
  nextActionTimes: string[];
  links: ScheduleLinks;
}

/** The memo fields Baton wrote, those that have the expected shape. */
export function scheduleMemoOf(memo: Record<string, unknown> | undefined): Partial<ScheduleMemo> {
  const spec = memo?.spec;
  return {
    ...(typeof memo?.pipeline === 'string' ? { pipeline: memo.pipeline } : {}),
    ...(starterIn(memo?.createdBy) ? { createdBy: starterIn(memo?.createdBy) } : {}),
    ...(spec && typeof spec === 'object' ? { spec: spec as ScheduleSpecBody } : {}),
  };
}

/** The pipeline a schedule runs: its search attribute, its memo, else the workflow type's pipeline. */
function pipelineName(
  schedule: Pick<ScheduleSummary, 'memo' | 'typedSearchAttributes' | 'action'>,
  pipelines: ReadonlyMap<string, PipelineDefinition>,
): string {
  const attribute = schedule.typedSearchAttributes?.get(batonSearchAttributes.pipeline);
  if (typeof attribute === 'string') return attribute;
  const fromMemo = scheduleMemoOf(schedule.memo).pipeline;
  if (fromMemo) return fromMemo;
  const type = schedule.action?.workflowType ?? '';
  return [...pipelines.values()].find((pipeline) => pipeline.workflowType === type)?.name ?? type;
}

/** A schedule as `GET /schedules` lists it. */
export function summaryView(
  schedule: ScheduleSummary,
  pipelines: ReadonlyMap<string, PipelineDefinition>,
): ScheduleSummaryView {
  const last = schedule.info.recentActions.at(-1);
  const createdBy = scheduleMemoOf(schedule.memo).createdBy?.name;
  return {
    scheduleId: schedule.scheduleId,
    pipeline: pipelineName(schedule, pipelines),
    paused: schedule.state.paused,
    ...(schedule.state.note ? { note: schedule.state.note } : {}),
    ...(createdBy ? { createdBy } : {}),
    nextActionTimes: schedule.info.nextActionTimes.map((time) => time.toISOString()),
    ...(last ? { lastRun: { runId: last.action.workflow.workflowId, takenAt: last.takenAt.toISOString() } } : {}),
  };
}

/** A schedule as `GET /schedules/{id}` shows it: Temporal's description, with the cron expressions as written. */
export function scheduleView(
  description: ScheduleDescription,
  pipelines: ReadonlyMap<string, PipelineDefinition>,
  links: ScheduleLinks,
): ScheduleView {
  const memo = scheduleMemoOf(description.memo);
  const { spec, info, state, policies } = description;
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    scheduleId: description.scheduleId,
    pipeline: pipelineName(description, pipelines),
    ...optional('input', description.action.args?.[0]),
    spec: {
      ...optional('cron', memo.spec?.cron),
      ...optional(
        'intervals',
        spec.intervals?.length
          ? spec.intervals.map((each) => ({
              every: formatDurationMs(each.every),
              ...(each.offset ? { offset: formatDurationMs(each.offset) } : {}),
            }))
          : undefined,
      ),
      ...optional('timezone', spec.timezone || undefined),
      ...optional('jitter', spec.jitter ? formatDurationMs(spec.jitter) : undefined),
      ...optional('startAt', spec.startAt?.toISOString()),
      ...optional('endAt', spec.endAt?.toISOString()),
    },
    policy: {
      overlap: overlapName(policies.overlap),
      catchupWindow: formatDurationMs(policies.catchupWindow),
      pauseOnFailure: policies.pauseOnFailure,
    },
    state: {
      paused: state.paused,
      ...optional('note', state.note || undefined),
      ...optional('remainingActions', state.remainingActions),
    },
    ...optional('createdBy', memo.createdBy),
    createdAt: info.createdAt.toISOString(),
    ...optional('updatedAt', info.lastUpdatedAt?.toISOString()),
    actions: {
      taken: info.numActionsTaken,
      skippedOverlap: info.numActionsSkippedOverlap,
      missedCatchupWindow: info.numActionsMissedCatchupWindow,
    },
    recentActions: info.recentActions.map((action) => ({
      runId: action.action.workflow.workflowId,
      scheduledAt: action.scheduledAt.toISOString(),
      takenAt: action.takenAt.toISOString(),
    })),
    runningRuns: info.runningActions.map((action) => action.workflow.workflowId),
    nextActionTimes: info.nextActionTimes.map((time) => time.toISOString()),
    links,
  };
}

const links = z.object({ self: z.string(), temporalUi: z.string().optional() });
const starter = z.object({ id: z.string(), name: z.string() });

export const scheduleSummaryView = answers<ScheduleSummaryView>()(
  z.object({
    scheduleId: z.string(),
    pipeline: z.string(),
    paused: z.boolean(),
    note: z.string().optional(),
    createdBy: z.string().optional(),
    nextActionTimes: z.array(z.string()),
    lastRun: z.object({ runId: z.string(), takenAt: z.string() }).optional(),
  }),
);

export const scheduleViewSchema = answers<ScheduleView>()(
  z.object({
    scheduleId: z.string(),
    pipeline: z.string(),
    input: z.unknown().optional(),
    spec: z.object({
      cron: z.array(z.string()).optional(),
      intervals: z.array(z.object({ every: z.string(), offset: z.string().optional() })).optional(),
      timezone: z.string().optional(),
      jitter: z.string().optional(),
      startAt: z.string().optional(),
      endAt: z.string().optional(),
    }),
    policy: z.object({ overlap: z.enum(OVERLAP_POLICIES), catchupWindow: z.string(), pauseOnFailure: z.boolean() }),
    state: z.object({ paused: z.boolean(), note: z.string().optional(), remainingActions: z.number().optional() }),
    createdBy: starter.optional(),
    createdAt: z.string(),
    updatedAt: z.string().optional(),
    actions: z.object({ taken: z.number(), skippedOverlap: z.number(), missedCatchupWindow: z.number() }),
    recentActions: z.array(z.object({ runId: z.string(), scheduledAt: z.string(), takenAt: z.string() })),
    runningRuns: z.array(z.string()),
    nextActionTimes: z.array(z.string()),
    links,
  }),
);

/** The answer to `POST /schedules`. */
export const scheduleCreated = z.object({
  scheduleId: z.string(),
  pipeline: z.string(),
  paused: z.boolean(),
  links,
});
