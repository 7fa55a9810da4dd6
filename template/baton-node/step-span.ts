/**
 * The span of one step call in a function (the same names in the Python template: baton_step/tracing.py): named
 * after the step, with the run, the attempt and the function as attributes. Never a token or a secret: the call's
 * headers and body stay out of it.
 */
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import type { RunContext } from './step-contract.ts';

/** The attribute keys of a step span. */
export const STEP_SPAN_ATTRIBUTES = {
  runId: 'baton.run.id',
  temporalRunId: 'baton.run.temporal_run_id',
  pipeline: 'baton.pipeline',
  step: 'baton.step',
  attempt: 'baton.attempt',
  function: 'faas.name',
  callId: 'faas.invocation_id',
  status: 'http.response.status_code',
} as const;

/** `step <name>`: a trace reads as the pipeline's steps. */
export function stepSpanName(step: string): string {
  return `step ${step}`;
}

/** The run (workflow id), Temporal run id, pipeline, step, attempt, function name and call id of a step call. */
export function stepSpanAttributes(run: RunContext, functionName: string, callId: string): Attributes {
  return {
    [STEP_SPAN_ATTRIBUTES.runId]: run.workflowId,
    [STEP_SPAN_ATTRIBUTES.temporalRunId]: run.runId,
    [STEP_SPAN_ATTRIBUTES.pipeline]: run.pipeline,
    [STEP_SPAN_ATTRIBUTES.step]: run.step,
    [STEP_SPAN_ATTRIBUTES.attempt]: run.attempt,
    [STEP_SPAN_ATTRIBUTES.function]: functionName,
    [STEP_SPAN_ATTRIBUTES.callId]: callId,
  };
}

/** Records the answer's HTTP status; a 5xx (the attempt failed and is retried) marks the span as an error. */
export function recordStatus(span: Span | undefined, status: number): void {
  if (!span) return;
  span.setAttribute(STEP_SPAN_ATTRIBUTES.status, status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${status}` });
}
