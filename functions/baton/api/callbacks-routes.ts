/**
 * Where long steps report back: `POST /callbacks/{token}` (the gateway delivers the function's answer once) and
 * `POST /progress/{token}` (the function's progress, recorded as the attempt's heartbeat details). Tokens are
 * HMAC-signed per attempt: a forged one gets 401; a stale or already finished attempt gets 409; neither changes
 * anything.
 */
import { Hono } from 'hono';
import { ActivityCancelledError, ActivityCompletionError, ActivityNotFoundError, ActivityPausedError, ActivityResetError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { progressReport, toErrorIssues, type ProgressAnswer } from '#baton-contract';
import { verifyAttemptToken, type AttemptIdentity } from '../../../activities/callback-token.ts';
import { classifyHttpFailure, toApplicationFailure } from '../../../activities/classify-response.ts';
import { checkStepAnswer } from '../../../activities/step-answer.ts';
import type { StepCatalog } from '../../../activities/step-catalog.ts';
import { HttpError } from './http-error.ts';

/** What the callback routes need. */
export interface CallbackDeps {
  client: Client;
  steps: StepCatalog;
  /** The HMAC key of callback and progress URLs (secret `baton-callback-key`). */
  callbackKey: string;
}

export function callbacksRoutes(deps: CallbackDeps): Hono {
  const app = new Hono();
  const attemptOf = (token: string): AttemptIdentity => {
    const identity = verifyAttemptToken(token, deps.callbackKey);
    if (!identity) throw new HttpError(401, 'invalid callback token');
    return identity;
  };
  const stale = (identity: AttemptIdentity) =>
    new HttpError(409, `attempt ${identity.attempt} of step "${identity.activityId}" in run "${identity.workflowId}" is no longer waiting (finished, retried or cancelled)`);

  app.post('/callbacks/:token', async (c) => {
    const identity = attemptOf(c.req.param('token'));
    const status = Number(c.req.header('X-Function-Status'));
    if (!Number.isInteger(status)) throw new HttpError(400, 'X-Function-Status is missing or not a status code');
    const fn = c.req.header('X-Function-Name') ?? identity.step;
    const body = await c.req.text();
    const step = deps.steps.get(identity.step);
    if (!step) throw new HttpError(400, `step "${identity.step}" is unknown to this orchestrator`);
    const completion = deps.client.activity;
    try {
      if (status >= 200 && status <= 299) {
        let answer;
        try {
          answer = checkStepAnswer({ step: identity.step, function: fn }, step.output, body, (message) => console.warn(message));
        } catch (failure) {
          if (!(failure instanceof ApplicationFailure)) throw failure;
          await completion.fail(identity.taskToken, failure);
          return c.json({ accepted: true, outcome: 'failed' });
        }
        await completion.complete(identity.taskToken, answer);
        return c.json({ accepted: true, outcome: 'completed' });
      }
      if (status === 409 && errorType(body) === 'Cancelled') {
        await completion.reportCancellation(identity.taskToken);
        return c.json({ accepted: true, outcome: 'cancelled' });
      }
      await completion.fail(identity.taskToken, toApplicationFailure(classifyHttpFailure(fn, status, c.req.header('Retry-After'), body)));
      return c.json({ accepted: true, outcome: 'failed' });
    } catch (error) {
      if (isUnknownAttempt(error)) throw stale(identity);
      throw error;
    }
  });

  app.post('/progress/:token', async (c) => {
    const identity = attemptOf(c.req.param('token'));
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new HttpError(400, 'progress report is not valid JSON');
    }
    const report = progressReport.safeParse(json);
    if (!report.success) throw new HttpError(400, 'invalid progress report', toErrorIssues(report.error));
    let answer: ProgressAnswer = { cancelRequested: false };
    try {
      await deps.client.activity.heartbeat(identity.taskToken, report.data);
    } catch (error) {
      if (isUnknownAttempt(error)) throw stale(identity);
      if (error instanceof ActivityCancelledError || error instanceof ActivityPausedError || error instanceof ActivityResetError) {
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
