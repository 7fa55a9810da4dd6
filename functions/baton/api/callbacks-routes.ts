/**
 * Where long steps report back: `POST /callbacks/{ref}` (the gateway delivers the function's answer once) and
 * `POST /progress/{ref}` (the function's progress, recorded as the attempt's heartbeat details).
 *
 * `{ref}` names the attempt (sealed, see attempt-ref.ts) but grants nothing: URLs end up in gateway and
 * queue-worker logs. What authenticates is the function's own signature, made with its step key, in the
 * `X-Baton-Signature` header: of its answer (the queue copies the function's response headers onto the callback)
 * and of each progress report. A reference that does not open or a missing or wrong signature gets 401; a stale or
 * already finished attempt gets 409; neither changes anything. So a callback the gateway makes up for a call that
 * never reached the function (no replica, a crashed one) is refused too: the attempt's heartbeat timeout retries it.
 */
import { Hono } from 'hono';
import {
  ActivityCancelledError,
  ActivityCompletionError,
  ActivityNotFoundError,
  ActivityPausedError,
  ActivityResetError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { StepErrorType, progressReport, toErrorIssues, type ProgressAnswer } from '#baton-contract';
import { SIGNATURE_HEADER, deriveStepKey, reportSignatureProblem } from '#baton-signature';
import { openAttemptRef, type AttemptIdentity } from '../../../activities/attempt-ref.ts';
import { classifyHttpFailure, toApplicationFailure } from '../../../activities/classify-response.ts';
import { checkStepAnswer } from '../../../activities/step-answer.ts';
import type { StepCatalog } from '../../../activities/step-catalog.ts';
import { TriggerApiError } from './trigger-api-error.ts';

/** What the callback routes need. */
export interface CallbackDeps {
  client: Client;
  steps: StepCatalog;
  /** Seals the attempt references of callback and progress URLs (secret `baton-callback-key`). */
  callbackKey: string;
  /** The secret `baton-signing-key`: each function's step key, which signs its answers and reports, derives from it. */
  signingKey: string;
}

export function callbacksRoutes(deps: CallbackDeps): Hono {
  const app = new Hono();
  const stepKeys = new Map<string, string>();
  const stepKey = (fn: string) => stepKeys.get(fn) ?? stepKeys.set(fn, deriveStepKey(deps.signingKey, fn)).get(fn)!;
  const attemptOf = (ref: string): AttemptIdentity => {
    const identity = openAttemptRef(ref, deps.callbackKey);
    if (!identity) throw new TriggerApiError(401, 'unknown attempt reference: this orchestrator did not issue it');
    return identity;
  };
  /** Refuses (401) a body the attempt's function did not sign; `status` only for answers. */
  const assertSigned = (identity: AttemptIdentity, header: string | undefined, body: Uint8Array, status?: number) => {
    const run = {
      workflowId: identity.workflowId,
      runId: identity.runId,
      step: identity.activityId,
      attempt: identity.attempt,
    };
    const problem =
      status === undefined
        ? reportSignatureProblem(header, { fn: identity.fn, run }, body, stepKey(identity.fn), 'progress')
        : reportSignatureProblem(header, { fn: identity.fn, run, status }, body, stepKey(identity.fn), 'answer');
    if (problem)
      throw new TriggerApiError(
        401,
        `attempt ${identity.attempt} of step "${identity.activityId}" in run "${identity.workflowId}": ${problem}`,
      );
  };
  const stale = (identity: AttemptIdentity) =>
    new TriggerApiError(
      409,
      `attempt ${identity.attempt} of step "${identity.activityId}" in run "${identity.workflowId}" is no longer waiting (finished, retried or cancelled)`,
    );

  app.post('/callbacks/:ref', async (c) => {
    const identity = attemptOf(c.req.param('ref'));
    const status = Number(c.req.header('X-Function-Status'));
    if (!Number.isInteger(status)) throw new TriggerApiError(400, 'X-Function-Status is missing or not a status code');
    const fn = identity.fn;
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    assertSigned(identity, c.req.header(SIGNATURE_HEADER), bytes, status);
    const body = new TextDecoder().decode(bytes);
    const step = deps.steps.get(identity.step);
    if (!step) throw new TriggerApiError(400, `step "${identity.step}" is unknown to this orchestrator`);
    const completion = deps.client.activity;
    try {
      if (status >= 200 && status <= 299) {
        let answer;
        try {
          answer = checkStepAnswer({ step: identity.step, function: fn }, step.output, body, (message) =>
            console.warn(message),
          );
        } catch (failure) {
          if (!(failure instanceof ApplicationFailure)) throw failure;
          await completion.fail(identity.taskToken, failure);
          return c.json({ accepted: true, outcome: 'failed' });
        }
        await completion.complete(identity.taskToken, answer);
        return c.json({ accepted: true, outcome: 'completed' });
      }
      if (status === 409 && errorType(body) === StepErrorType.Cancelled) {
        await completion.reportCancellation(identity.taskToken);
        return c.json({ accepted: true, outcome: 'cancelled' });
      }
      await completion.fail(
        identity.taskToken,
        toApplicationFailure(classifyHttpFailure(fn, status, c.req.header('Retry-After'), body)),
      );
      return c.json({ accepted: true, outcome: 'failed' });
    } catch (error) {
      if (isUnknownAttempt(error)) throw stale(identity);
      throw error;
    }
  });

  app.post('/progress/:ref', async (c) => {
    const identity = attemptOf(c.req.param('ref'));
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    assertSigned(identity, c.req.header(SIGNATURE_HEADER), bytes);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new TriggerApiError(400, 'progress report is not valid JSON');
    }
    const report = progressReport.safeParse(json);
    if (!report.success) throw new TriggerApiError(400, 'invalid progress report', toErrorIssues(report.error));
    let answer: ProgressAnswer = { cancelRequested: false };
    try {
      await deps.client.activity.heartbeat(identity.taskToken, report.data);
    } catch (error) {
      if (isUnknownAttempt(error)) throw stale(identity);
      if (
        error instanceof ActivityCancelledError ||
        error instanceof ActivityPausedError ||
        error instanceof ActivityResetError
      ) {
        answer = { cancelRequested: true };
      } else {
        throw error;
      }
    }
    return c.json(answer);
  });

  return app;
}

/** Temporal does not know this attempt (any more): finished, retried, cancelled, or a task token it refuses. */
function isUnknownAttempt(error: unknown): boolean {
  return error instanceof ActivityNotFoundError || error instanceof ActivityCompletionError;
}

function errorType(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { type?: string } }).error?.type;
  } catch {
    return undefined;
  }
}
