/**
 * Signed step calls (docs/contracts.md, "The step signature"). The orchestrator signs every envelope it sends with
 * the called function's own key; the templates verify the signature before the handler runs, so a caller that
 * reaches the gateway cannot make a step act on a made-up `run`.
 *
 * Keys: the orchestrator holds one secret, `baton-signing-key`; each function's key is derived from it with HKDF
 * (info = the function's name) and given to that function alone as its secret `baton-step-key-<function>`. A
 * function can therefore verify calls to itself but sign calls to no other function.
 *
 * The other way round, a function signs with the same key what it sends back to the orchestrator through channels
 * the orchestrator did not open: its answer (the gateway's async queue copies the response headers onto the callback)
 * and its progress reports. No bearer token travels, so none can leak from a queue's log or a URL.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RunContext } from './step-contract.ts';

/** The request header carrying the signature: `v1,exp=<unix seconds>,sig=<base64url HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'X-Baton-Signature';
/** The orchestrator's secret from which every function's key is derived. */
export const SIGNING_KEY_SECRET = 'baton-signing-key';
/** Keys shorter than this (characters) are refused: a guessable key would make signatures forgeable. */
export const MIN_KEY_LENGTH = 32;

/** The name of the secret holding `fn`'s step key. */
export function stepKeySecret(fn: string): string {
  return `baton-step-key-${fn}`;
}

/** HMAC-SHA256 of `data` under `key`, base64url: the one MAC of Baton (step signatures and callback tokens). */
export function hmacBase64url(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** `fn`'s step key (64 hex characters), derived from the orchestrator's signing key. */
export function deriveStepKey(signingKey: string, fn: string): string {
  return Buffer.from(hkdfSync('sha256', signingKey, 'baton-step-key', fn, 32)).toString('hex');
}

/** What a signature covers besides the body bytes. */
export interface SignedCall {
  /** The called function. */
  fn: string;
  run: Pick<RunContext, 'workflowId' | 'runId' | 'step' | 'attempt'>;
  /** Expiry, unix seconds. */
  expires: number;
}

/**
 * What is signed, each with its own first line so that no signature can stand for another kind:
 * `step` the orchestrator's call to a function; `answer` the function's response to that call (the callback of a
 * long step carries it); `progress` a long step's progress report to the orchestrator.
 */
export type SignedKind = 'step' | 'answer' | 'progress';

/** An answer's signature also covers the HTTP status the function answered with. */
export interface SignedAnswer extends SignedCall {
  status: number;
}

/** The signed text: one field per line, the body as its SHA-256. The Python template builds the same text. */
export function signedText(
  call: SignedCall & { status?: number },
  body: string | Uint8Array,
  kind: SignedKind = 'step',
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const status = kind === 'answer' ? [String(call.status)] : [];
  return [
    `baton-${kind}-v1`,
    call.fn,
    call.run.workflowId,
    call.run.runId,
    call.run.step,
    String(call.run.attempt),
    ...status,
    String(call.expires),
    bodyHash,
  ].join('\n');
}

/** The value of the signature header for `body` sent to `call.fn`, signed with that function's key. */
export function signStepCall(call: SignedCall, body: string | Uint8Array, stepKey: string): string {
  return signHeader(call, body, stepKey, 'step');
}

/** The function's signature of its own answer (response header), made with its step key. */
export function signAnswer(answer: SignedAnswer, body: string | Uint8Array, stepKey: string): string {
  return signHeader(answer, body, stepKey, 'answer');
}

/** The function's signature of a progress report it POSTs (request header), made with its step key. */
export function signProgress(call: SignedCall, body: string | Uint8Array, stepKey: string): string {
  return signHeader(call, body, stepKey, 'progress');
}

function signHeader(
  call: SignedCall & { status?: number },
  body: string | Uint8Array,
  stepKey: string,
  kind: SignedKind,
): string {
  return `v1,exp=${call.expires},sig=${hmacBase64url(stepKey, signedText(call, body, kind))}`;
}

/**
 * Why a call's signature header does not hold, or undefined when it does: missing, malformed, expired, or not made
 * with this function's key over exactly this body and run (another function's call, an altered body or run).
 */
export function signatureProblem(
  header: string | undefined,
  call: Omit<SignedCall, 'expires'>,
  body: string | Uint8Array,
  stepKey: string,
  nowSeconds = Date.now() / 1000,
): string | undefined {
  return headerProblem(header, call, body, stepKey, 'step', nowSeconds);
}

/** Like signatureProblem, for a function's answer (`kind` answer, with its status) or progress report. */
export function reportSignatureProblem(
  header: string | undefined,
  call: Omit<SignedCall, 'expires'> & { status?: number },
  body: string | Uint8Array,
  stepKey: string,
  kind: Exclude<SignedKind, 'step'>,
  nowSeconds = Date.now() / 1000,
): string | undefined {
  return headerProblem(header, call, body, stepKey, kind, nowSeconds);
}

function headerProblem(
  header: string | undefined,
  call: Omit<SignedCall, 'expires'> & { status?: number },
  body: string | Uint8Array,
  stepKey: string,
  kind: SignedKind,
  nowSeconds: number,
): string | undefined {
  const what = kind === 'step' ? 'call' : kind === 'answer' ? 'answer' : 'progress report';
  if (!header)
    return kind === 'step'
      ? `missing ${SIGNATURE_HEADER} header: only the orchestrator may call this step`
      : `missing ${SIGNATURE_HEADER} header: only ${call.fn} may send this ${what}`;
  const match = /^v1,exp=(\d{1,12}),sig=([A-Za-z0-9_-]{43})$/.exec(header.trim());
  if (!match) return `malformed ${SIGNATURE_HEADER} header: expected v1,exp=<unix seconds>,sig=<base64url>`;
  const expires = Number(match[1]);
  if (expires < nowSeconds) return `${SIGNATURE_HEADER} expired at ${new Date(expires * 1000).toISOString()}`;
  const expected = Buffer.from(hmacBase64url(stepKey, signedText({ ...call, expires }, body, kind)));
  const given = Buffer.from(match[2]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return `${SIGNATURE_HEADER} does not match: the ${what} was not signed for ${call.fn}, or its body or run was altered`;
  }
  return undefined;
}
