/**
 * The attempt reference in the callback and progress URLs of a long step. It names one attempt of one step
 * (workflow, run, activity, step, function, attempt) and carries Temporal's task token for that attempt, sealed
 * with AES-256-GCM under a key derived from the secret `baton-callback-key`.
 *
 * A reference is not a credential: URLs are logged by gateways and queue-workers, so nothing in one may grant
 * anything. What it reveals is nothing (the task token and the ids are encrypted); what it allows alone is nothing
 * (a callback or progress report changes the attempt only with the function's signature, see callbacks-routes.ts).
 * The seal keeps the task token out of every URL and log, and makes a reference the orchestrator did not issue
 * fail to open, so the routes never hand Temporal a made-up task token.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What a reference says about the attempt it belongs to. */
export interface AttemptIdentity {
  workflowId: string;
  runId: string;
  activityId: string;
  /** The step definition's name: the callback checks the output against its schema. */
  step: string;
  /** The called function: its step key verifies the answer and the progress reports. */
  fn: string;
  attempt: number;
  /** Temporal's task token of this attempt (completes exactly this attempt, and no later one). */
  taskToken: Uint8Array;
}

interface Wire {
  w: string;
  r: string;
  a: string;
  s: string;
  f: string;
  n: number;
  t: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sealing key: its own derivation, so the callback key's text is never used as an AES key directly. */
function sealKey(callbackKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', callbackKey, 'baton-attempt-ref', 'aes-256-gcm', 32));
}

/** Seals an attempt into a URL-safe reference (base64url of iv | ciphertext | tag). */
export function sealAttemptRef(identity: AttemptIdentity, callbackKey: string): string {
  const wire: Wire = {
    w: identity.workflowId,
    r: identity.runId,
    a: identity.activityId,
    s: identity.step,
    f: identity.fn,
    n: identity.attempt,
    t: Buffer.from(identity.taskToken).toString('base64url'),
  };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealKey(callbackKey), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(wire), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The attempt a reference names, or undefined when it is malformed or was not sealed with this key. */
export function openAttemptRef(ref: string, callbackKey: string): AttemptIdentity | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(ref)) return undefined;
  const bytes = Buffer.from(ref, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(callbackKey), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const wire = JSON.parse(plain.toString('utf8')) as Wire;
    return {
      workflowId: wire.w,
      runId: wire.r,
      activityId: wire.a,
      step: wire.s,
      fn: wire.f,
      attempt: wire.n,
      taskToken: new Uint8Array(Buffer.from(wire.t, 'base64url')),
    };
  } catch {
    return undefined;
  }
}
