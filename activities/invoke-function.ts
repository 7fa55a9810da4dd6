import { CompleteAsyncError, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
import {
  CALL_ID_HEADER,
  FailureType,
  describeIssues,
  toErrorIssues,
  type ProgressReport,
  type StepRequest,
} from '#baton-contract';
import { SIGNATURE_HEADER, deriveStepKey, signStepCall } from '#baton-signature';
import { sealAttemptRef } from './attempt-ref.ts';
import { AnswerTooLargeError, readCapped } from './read-capped.ts';
import { classifyConnectionError, classifyHttpFailure, toApplicationFailure } from './classify-response.ts';
import { checkStepAnswer, type StepAnswer } from './step-answer.ts';
import type { StepCatalog } from './step-catalog.ts';
import { callSpanAttributes } from './call-span.ts';
import { injectTraceContext, inSpan, SpanKind } from '../template/baton-node/tracing.ts';
import type { Span } from '@opentelemetry/api';

/** What a pipeline asks of the invoke activity. */
export interface InvokeFunctionRequest {
  step: string;
  function: string;
  pipeline: string;
  input: unknown;
  /**
   * The step's call id when it runs as a local activity (whose own activity id is a sequence number): names the
   * step in the envelope and the `X-Call-Id`, as the activity id does for the others.
   */
  callId?: string;
}

/**
 * A step's answer: its output (checked against the step's output schema) and metrics; for a local call also its
 * call id, which its history marker does not otherwise carry (the run view names the step by it).
 */
export type InvokeFunctionResult = StepAnswer & { callId?: string };

/** Where long steps send their callbacks and progress, and the key that seals the attempt reference in those URLs. */
export interface CallbackSettings {
  /** The orchestrator's API as functions reach it, e.g. http://gateway:8080/function/baton. */
  baseUrl: string;
  /** The secret `baton-callback-key`. */
  key: string;
}

/** What the invoke activity needs from the outside. */
export interface InvokeFunctionDeps {
  /** Base URL of the OpenFaaS gateway, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  steps: StepCatalog;
  dispatcher: Dispatcher;
  /** Needed by long (async) steps only. */
  callbacks?: CallbackSettings;
  /** The secret `baton-signing-key`: every envelope is signed with the called function's key derived from it. */
  signingKey: string;
  /** The largest answer read from a function (BATON_MAX_CALLBACK_BYTES, as for long steps' callbacks). */
  maxAnswerBytes: number;
}

/** Heartbeats are how an activity learns it was cancelled; the SDK throttles them. */
const HEARTBEAT_INTERVAL_MS = 1000;
/** A signature outlives the attempt's timeout by this much: clock skew and the async queue's delay. */
const SIGNATURE_SLACK_MS = 60_000;

/**
 * Builds the activity that calls one step function through the gateway: synchronously (`/function/<fn>`, the
 * answer is the result) or, for long steps, asynchronously (`/async-function/<fn>`, completed later by the
 * orchestrator's callback route).
 */
export function createInvokeFunction(deps: InvokeFunctionDeps) {
  const gateway = deps.gatewayUrl.replace(/\/+$/, '');
  const stepKeys = new Map<string, string>();
  const stepKey = (fn: string) => stepKeys.get(fn) ?? stepKeys.set(fn, deriveStepKey(deps.signingKey, fn)).get(fn)!;

  return async function invokeFunction(call: InvokeFunctionRequest): Promise<InvokeFunctionResult> {
    const context = Context.current();
    const { info } = context;
    const step = deps.steps.get(call.step);
    if (!step)
      throw ApplicationFailure.nonRetryable(`step "${call.step}" is unknown to this worker`, FailureType.UnknownStep);
    const input = step.input.safeParse(call.input);
    if (!input.success) {
      const issues = toErrorIssues(input.error, 'input');
      throw ApplicationFailure.nonRetryable(
        `invalid input for step "${call.step}": ${describeIssues(issues)}`,
        FailureType.InvalidStepInput,
        { issues },
      );
    }
    const execution = info.workflowExecution;
    if (!execution)
      throw ApplicationFailure.nonRetryable(
        "invokeFunction runs only as a workflow's activity",
        FailureType.NotInWorkflow,
      );
    // A local activity's id is a sequence number; the workflow passes the step's call id instead (run-step.ts).
    const activityId = info.isLocal && call.callId ? call.callId : info.activityId;
    const envelope: StepRequest = {
      input: input.data,
      run: {
        workflowId: execution.workflowId,
        runId: execution.runId,
        pipeline: call.pipeline,
        step: activityId,
        attempt: info.attempt,
      },
    };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [CALL_ID_HEADER]: `${execution.workflowId}:${activityId}:${info.attempt}`,
    };

    if (step.mode === 'async') {
      if (!deps.callbacks)
        throw ApplicationFailure.nonRetryable(
          `step "${call.step}" is long, but this worker has no callback settings`,
          FailureType.NoCallbackSettings,
        );
      // The last progress of a dead attempt: the new attempt resumes from its checkpoint.
      const previous = info.heartbeatDetails as ProgressReport | undefined;
      if (previous?.checkpoint) envelope.checkpoint = previous.checkpoint;
      // The URLs name the attempt by a sealed reference, not a credential: queue-workers log them. The function
      // proves its answer and its reports with its own step key (callbacks-routes.ts).
      const ref = sealAttemptRef(
        {
          ...execution,
          activityId: info.activityId,
          step: call.step,
          fn: call.function,
          attempt: info.attempt,
          taskToken: info.taskToken,
        },
        deps.callbacks.key,
      );
      envelope.progressUrl = `${deps.callbacks.baseUrl}/progress/${ref}`;
      headers['X-Callback-Url'] = `${deps.callbacks.baseUrl}/callbacks/${ref}`;
      await post(`${gateway}/async-function/${encodeURIComponent(call.function)}`);
      // Keep the checkpoint in this attempt's details until the function reports its own progress.
      if (previous) context.heartbeat(previous);
      throw new CompleteAsyncError();
    }

    const body = await post(`${gateway}/function/${encodeURIComponent(call.function)}`);
    const answer = checkStepAnswer(call, step.output, body, (message) => context.log.warn(message));
    return info.isLocal ? { ...answer, callId: activityId } : answer;

    /**
     * POSTs the envelope in a client span (`call <function>`, the parent of the function's own span: its context
     * goes along as W3C `traceparent`); answers the body of a 2xx, throws a classified failure otherwise.
     */
    function post(url: string): Promise<string> {
      return inSpan(
        { name: `call ${call.function}`, kind: SpanKind.CLIENT, attributes: callSpanAttributes(call, envelope.run) },
        (span) => send(url, span),
      );
    }

    async function send(url: string, span: Span | undefined): Promise<string> {
      // A local activity has no heartbeats (Temporal ignores them): its cancellation comes straight from the worker.
      const heartbeat = info.isLocal
        ? undefined
        : setInterval(() => context.heartbeat(info.heartbeatDetails), HEARTBEAT_INTERVAL_MS);
      try {
        const body = JSON.stringify(envelope);
        const timeoutMs = info.startToCloseTimeoutMs ?? info.scheduleToCloseTimeoutMs ?? 3_600_000;
        const expires = Math.ceil((Date.now() + timeoutMs + SIGNATURE_SLACK_MS) / 1000);
        headers[SIGNATURE_HEADER] = signStepCall(
          { fn: call.function, run: envelope.run, expires },
          body,
          stepKey(call.function),
        );
        injectTraceContext(headers); // traceparent through the gateway and the watchdog to the function's span
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: deps.dispatcher,
          signal: context.cancellationSignal,
        });
        span?.setAttribute('http.response.status_code', response.statusCode);
        const retryAfter = response.headers['retry-after'];
        const answer = await readCapped(response.body, deps.maxAnswerBytes).catch((error: unknown) => {
          if (!(error instanceof AnswerTooLargeError)) throw error;
          // Retrying would fetch the same oversized answer: outputs belong in artifacts, passed by reference.
          throw ApplicationFailure.nonRetryable(
            `function "${call.function}" answered step "${call.step}" with more than ${deps.maxAnswerBytes} bytes: write large outputs as artifacts and return their references`,
            FailureType.StepAnswerTooLarge,
          );
        });
        if (response.statusCode < 200 || response.statusCode > 299) {
          throw toApplicationFailure(
            classifyHttpFailure(
              call.function,
              response.statusCode,
              Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
              answer,
            ),
          );
        }
        return answer;
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        throw toApplicationFailure(classifyConnectionError(call.function, error));
      } finally {
        clearInterval(heartbeat);
      }
    }
  };
}
