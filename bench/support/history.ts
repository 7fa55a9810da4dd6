/** Step timings of a run, read from its Temporal history (server-side event times, one clock). */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
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
}

/** Reads the history of a closed run. */
export async function runTiming(client: Client, workflowId: string): Promise<RunTiming> {
  const history = await fetchDecodedHistory(client, workflowId);
  return timingOf(workflowId, history.events ?? []);
}

/** Pairs ActivityTaskScheduled, ActivityTaskStarted and ActivityTaskCompleted events by their ids. */
export function timingOf(workflowId: string, events: Event[]): RunTiming {
  const byId = new Map<number, Event>(events.map((event) => [Number(event.eventId), event]));
  const steps: StepTiming[] = [];
  for (const event of events) {
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
  return { workflowId, startedMs: timeOf(events[0]), closedMs: timeOf(events.at(-1)), steps };
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
