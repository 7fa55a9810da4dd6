/** Step timings of a run, read from its Temporal history (server-side event times, one clock). */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';
import { fetchDecodedHistory } from '../../functions/baton/codec/decode-history.ts';

type Event = temporal.api.history.v1.IHistoryEvent;

/** One activity of a run: when it was scheduled, started and completed (ms since the epoch), and its result. */
export interface StepTiming {
  activityId: string;
  scheduledMs: number;
  startedMs: number;
  completedMs: number;
  /** The attempt that completed (1 unless the step was retried). */
  attempt: number;
  result: unknown;
}

/** A closed run: when it started and closed, and its completed activities in order of completion. */
export interface RunTiming {
  workflowId: string;
  startedMs: number;
  closedMs: number;
  steps: StepTiming[];
  /** History weight: its events, and its size in bytes as Temporal stores it (protobuf, payloads encrypted). */
  events: number;
  bytes: number;
}

/** Reads the history of a closed run. */
export async function runTiming(client: Client, workflowId: string): Promise<RunTiming> {
  const stored = await client.workflow.getHandle(workflowId).fetchHistory();
  const bytes = proto.temporal.api.history.v1.History.encode(stored).finish().length;
  const history = await fetchDecodedHistory(client, workflowId);
  return { ...timingOf(workflowId, history.events ?? []), bytes };
}

/**
 * Pairs ActivityTaskScheduled, ActivityTaskStarted and ActivityTaskCompleted events by their ids; a local activity
 * (a step declared `local`) is its marker, whose data carries the worker's schedule and completion times.
 */
export function timingOf(workflowId: string, events: Event[]): Omit<RunTiming, 'bytes'> {
  const byId = new Map<number, Event>(events.map((event) => [Number(event.eventId), event]));
  const steps: StepTiming[] = [];
  for (const event of events) {
    const local = localActivityTiming(event);
    if (local) steps.push(local);
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    const scheduled = byId.get(Number(completed.scheduledEventId));
    const started = byId.get(Number(completed.startedEventId));
    const payload = completed.result?.payloads?.[0];
    steps.push({
      activityId: scheduled?.activityTaskScheduledEventAttributes?.activityId ?? '?',
      scheduledMs: timeOf(scheduled),
      startedMs: timeOf(started),
      completedMs: timeOf(event),
      attempt: started?.activityTaskStartedEventAttributes?.attempt ?? 1,
      result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
    });
  }
  return { workflowId, startedMs: timeOf(events[0]), closedMs: timeOf(events.at(-1)), steps, events: events.length };
}

/**
 * The SDK's marker of a completed local activity (`core_local_activity`), as a step timing; undefined otherwise. Its
 * data has the wall time the step was scheduled (worker clock) but no wall time of completion (`complete_time` is
 * workflow time plus the run time): the completion is the function's own `metrics.doneAtMs` when it reports one
 * (the bench's noop does; the answer's way back is then left out), else the marker's event time.
 */
function localActivityTiming(event: Event): StepTiming | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity' || marker.failure) return undefined;
  const data = marker.details?.data?.payloads?.[0];
  const payload = marker.details?.result?.payloads?.[0];
  const meta = (data ? defaultPayloadConverter.fromPayload(data) : {}) as Record<string, unknown>;
  const result = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
  const doneAt = (result as { metrics?: { doneAtMs?: unknown } } | undefined)?.metrics?.doneAtMs;
  const completedMs = typeof doneAt === 'number' ? doneAt : timeOf(event);
  const scheduledMs = wallTime(meta.original_schedule_time) ?? completedMs;
  return {
    activityId: String(meta.activity_id ?? '?'),
    // Local activities start as they are scheduled, in the worker: no task queue in between.
    scheduledMs,
    startedMs: scheduledMs,
    completedMs,
    attempt: Number(meta.attempt ?? 1),
    result,
  };
}

/** A protobuf Timestamp as JSON: an RFC 3339 string or `{ seconds, nanos }`. */
function wallTime(value: unknown): number | undefined {
  if (typeof value === 'string') return Date.parse(value);
  if (value && typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    return Number(seconds ?? 0) * 1000 + Number(nanos ?? 0) / 1e6;
  }
  return undefined;
}

function timeOf(event: Event | undefined): number {
  const time = event?.eventTime;
  if (!time) return Number.NaN;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

/** The `metrics.handlerMs` a bench function reported in a step's result (0 when absent). */
export function handlerMsOf(result: unknown): number {
  const metrics = (result as { metrics?: Record<string, unknown> } | undefined)?.metrics;
  return typeof metrics?.handlerMs === 'number' ? metrics.handlerMs : 0;
}
