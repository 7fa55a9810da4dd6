/**
 * Tokens in the callback and progress URLs of a long step. A token names one attempt of one step (workflow,
 * activity, attempt, and Temporal's task token for that attempt) and carries an HMAC, so only the orchestrator
 * that issued it can have made it: a forged token fails `verify`, and a stale attempt's task token is refused by
 * Temporal itself.
 */
import { timingSafeEqual } from 'node:crypto';
import { hmacBase64url } from '#baton-signature';

/** What a token says about the attempt it belongs to. */
export interface AttemptIdentity {
  workflowId: string;
  runId: string;
  activityId: string;
  /** The step definition's name: the callback checks the output against its schema. */
  step: string;
  attempt: number;
  /** Temporal's task token of this attempt (completes exactly this attempt, and no later one). */
  taskToken: Uint8Array;
}

interface Wire {
  w: string;
  r: string;
  a: string;
  s: string;
  n: number;
  t: string;
}

/** Issues a token for an attempt. */
export function signAttemptToken(identity: AttemptIdentity, key: string): string {
  const wire: Wire = {
    w: identity.workflowId, r: identity.runId, a: identity.activityId, s: identity.step, n: identity.attempt,
    t: Buffer.from(identity.taskToken).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${hmacBase64url(key, payload)}`;
}

/** The attempt a token names, or undefined when it is malformed or its HMAC does not match. */
export function verifyAttemptToken(token: string, key: string): AttemptIdentity | undefined {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(hmacBase64url(key, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Wire;
    return {
      workflowId: wire.w, runId: wire.r, activityId: wire.a, step: wire.s, attempt: wire.n,
      taskToken: new Uint8Array(Buffer.from(wire.t, 'base64url')),
    };
  } catch {
    return undefined;
  }
}
