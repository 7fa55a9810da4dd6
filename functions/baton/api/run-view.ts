/**
 * What `GET /runs/{id}` shows, derived from Temporal's own record of the run (its description and event
 * history), so it works for running and closed runs alike and needs no worker to answer.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import type { Activities, InvokeFunctionRequest, InvokeFunctionResult } from '../../../activities/index.ts';
import type { ProgressReport } from '#baton-contract';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;

export type StepStatus =
  | 'pending'
  | 'scheduled'
  | 'running'
  | 'retrying'
  | 'completed'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'skipped';

/** One step of a run as people read it. */
export interface StepView {
  name: string;
  function: string;
  status: StepStatus;
  attempt: number;
  durationMs?: number;
  error?: string;
  /** A running long step's last progress report: fraction, epoch, metrics, checkpoint, resumedFromEpoch. */
  progress?: ProgressReport;
  /** A finished step's metrics, as its function reported them. */
  metrics?: Record<string, number>;
}

/** A run as `GET /runs/{id}` answers it. */
export interface RunView {
  runId: string;
  workflowId: string;
  pipeline: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  steps: StepView[];
  result?: unknown;
  error?: { message: string; type?: string };
  /** The run's input as the trigger checked it (its memo `input`), with every default filled in. */
  input?: unknown;
  /** The run's final metrics, once it recorded them (its memo `metrics`). */
  metrics?: Record<string, unknown>;
  links: { self: string; temporalUi?: string };
}

/** Temporal's execution status, in the words of the API. */
export function runStatus(description: WorkflowExecutionDescription): string {
  return description.status.name.toLowerCase();
}

interface StepRecord extends StepView {
  scheduledAtMs?: number;
  /** Position among the steps in the order the run first scheduled them. */
  firstScheduled?: number;
}

/** The activity that calls a step's function: only its calls are steps. */
const STEP_ACTIVITY = 'invokeFunction' satisfies keyof Activities;

/** Builds the run view from a description, its history and the pipeline's planned steps. */
export function buildRunView(
  description: WorkflowExecutionDescription,
  events: HistoryEvent[],
  pipeline: PipelineDefinition | undefined,
  links: RunView['links'],
): RunView {
  const steps = new Map<string, StepRecord>();
  for (const planned of pipeline?.steps ?? []) {
    steps.set(planned.name, { name: planned.name, function: planned.function, status: 'pending', attempt: 0 });
  }
  const byScheduledEvent = new Map<string, StepRecord>();
  let scheduledSoFar = 0;
  let result: unknown;
  let error: RunView['error'];

  for (const event of events) {
    const at = timestampMs(event.eventTime);
    const local = localStepOf(event);
    if (local) {
      const planned = steps.get(local.callId);
      steps.set(local.callId, {
        ...planned,
        name: local.callId,
        function: planned?.function ?? '?',
        status: 'completed',
        attempt: local.attempt,
        firstScheduled: planned?.firstScheduled ?? scheduledSoFar++,
        ...(local.metrics ? { metrics: local.metrics } : {}),
      });
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    // Steps are the function calls; other activities (reading the model's policy) are the pipeline's own business.
    const activityType = scheduled?.activityType?.name;
    if (activityType && activityType !== STEP_ACTIVITY) continue;
    if (scheduled) {
      const call = decodeFirst(scheduled.input?.payloads) as InvokeFunctionRequest | undefined;
      const name = scheduled.activityId ?? '?';
      const firstScheduled = steps.get(name)?.firstScheduled ?? scheduledSoFar++;
      const record: StepRecord = {
        ...steps.get(name),
        name,
        function: call?.function ?? steps.get(name)?.function ?? '?',
        status: 'scheduled',
        attempt: 1,
        scheduledAtMs: at,
        firstScheduled,
      };
      steps.set(name, record);
      byScheduledEvent.set(String(event.eventId), record);
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const record = byScheduledEvent.get(String(started.scheduledEventId));
      if (record) Object.assign(record, { status: 'running', attempt: started.attempt ?? record.attempt });
      continue;
    }
    const closed = activityClose(event);
    if (closed) {
      const record = byScheduledEvent.get(String(closed.scheduledEventId));
      if (record) {
        record.status = closed.status;
        if (at !== undefined && record.scheduledAtMs !== undefined) record.durationMs = at - record.scheduledAtMs;
        if (closed.failure) record.error = failureMessage(closed.failure);
        if (closed.result?.metrics) record.metrics = closed.result.metrics;
      }
      continue;
    }
    if (event.workflowExecutionCompletedEventAttributes)
      result = decodeFirst(event.workflowExecutionCompletedEventAttributes.result?.payloads);
    const failed = event.workflowExecutionFailedEventAttributes?.failure;
    if (failed)
      error = { message: failureMessage(failed), type: rootFailure(failed).applicationFailureInfo?.type ?? undefined };
  }

  for (const pending of description.raw.pendingActivities ?? []) {
    const record = steps.get(pending.activityId ?? '');
    if (!record) continue;
    record.attempt = pending.attempt ?? record.attempt;
    const progress = decodeFirst(pending.heartbeatDetails?.payloads) as ProgressReport | undefined;
    if (progress && typeof progress === 'object' && 'fraction' in progress) record.progress = progress;
    if (pending.lastFailure) {
      record.status = 'retrying';
      record.error = failureMessage(pending.lastFailure);
    } else if (record.status === 'scheduled' && pending.lastStartedTime) {
      record.status = 'running';
    }
  }

  if (description.closeTime) {
    // A closed run leaves nothing in flight: a step it did not wait for was abandoned with it, and a planned
    // step it never reached (it failed earlier, or it started before the step existed) was skipped.
    for (const record of steps.values()) {
      if (['scheduled', 'running', 'retrying'].includes(record.status)) record.status = 'cancelled';
      else if (record.status === 'pending') record.status = 'skipped';
    }
  }

  return {
    runId: description.workflowId,
    workflowId: description.workflowId,
    pipeline: pipeline?.name ?? description.type,
    status: runStatus(description),
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    steps: inRunOrder([...steps.values()]).map(
      ({ scheduledAtMs: _scheduledAtMs, firstScheduled: _firstScheduled, ...view }) => view,
    ),
    ...(result !== undefined ? { result } : {}),
    ...(error ? { error } : {}),
    ...(description.memo?.input !== undefined ? { input: description.memo.input } : {}),
    ...(isRecord(description.memo?.metrics) ? { metrics: description.memo.metrics } : {}),
    links,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function activityClose(
  event: HistoryEvent,
): { scheduledEventId: unknown; status: StepStatus; failure?: Failure; result?: InvokeFunctionResult } | undefined {
  const completed = event.activityTaskCompletedEventAttributes;
  if (completed)
    return {
      scheduledEventId: completed.scheduledEventId,
      status: 'completed',
      result: decodeFirst(completed.result?.payloads) as InvokeFunctionResult | undefined,
    };
  const failed = event.activityTaskFailedEventAttributes;
  if (failed)
    return { scheduledEventId: failed.scheduledEventId, status: 'failed', failure: failed.failure ?? undefined };
  const timedOut = event.activityTaskTimedOutEventAttributes;
  if (timedOut)
    return { scheduledEventId: timedOut.scheduledEventId, status: 'timed_out', failure: timedOut.failure ?? undefined };
  const cancelled = event.activityTaskCanceledEventAttributes;
  if (cancelled) return { scheduledEventId: cancelled.scheduledEventId, status: 'cancelled' };
  return undefined;
}

/** The innermost failure: for a failed step, the function's own message rather than "activity failed". */
function rootFailure(failure: Failure): Failure {
  let current = failure;
  while (current.cause) current = current.cause;
  return current;
}

function failureMessage(failure: Failure): string {
  return rootFailure(failure).message ?? failure.message ?? 'failed';
}

/**
 * A completed local step (a step declared `local`): the SDK's `core_local_activity` marker of an invokeFunction call,
 * named by the call id its result carries. A failed local call has no result: the run's own error tells of it.
 */
function localStepOf(
  event: HistoryEvent,
): { callId: string; attempt: number; metrics?: InvokeFunctionResult['metrics'] } | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity' || marker.failure) return undefined;
  const data = decodeFirst(marker.details?.data?.payloads) as
    | { activity_type?: unknown; attempt?: unknown }
    | undefined;
  if (data?.activity_type !== STEP_ACTIVITY) return undefined;
  const result = decodeFirst(marker.details?.result?.payloads) as InvokeFunctionResult | undefined;
  if (typeof result?.callId !== 'string') return undefined;
  return {
    callId: result.callId,
    attempt: typeof data.attempt === 'number' ? data.attempt : 1,
    ...(result.metrics ? { metrics: result.metrics } : {}),
  };
}

function decodeFirst(payloads: temporal.api.common.v1.IPayload[] | null | undefined): unknown {
  const first = payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload(first) : undefined;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/**
 * Steps that ran, in the order they were first scheduled, then the planned ones not reached. A run may call a step
 * its plan does not list (one data source's), and its plan may list steps it never ran (another source's).
 */
function inRunOrder(records: StepRecord[]): StepRecord[] {
  const ran = records
    .filter((record) => record.firstScheduled !== undefined)
    .sort((a, b) => a.firstScheduled! - b.firstScheduled!);
  return [...ran, ...records.filter((record) => record.firstScheduled === undefined)];
}
