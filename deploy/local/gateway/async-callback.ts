import { connect } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { GatewayError } from './gateway-error.ts';

/** The header naming where the result of an asynchronous call goes (OpenFaaS' name). */
export const CALLBACK_HEADER = 'X-Callback-Url';

/**
 * The callback URL of an async call, or `undefined` when the header is absent or empty (fire and forget, as in
 * OpenFaaS). It must be an absolute http(s) URL without credentials; anything else is a 400 naming the header.
 * Messages show the URL's origin only: a callback URL's path is the receiver's business (Baton's names an attempt).
 */
export function parseCallbackUrl(value: string | undefined): URL | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new GatewayError(
      400,
      `${CALLBACK_HEADER}: must be an absolute http:// or https:// URL; the value given is not one`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatewayError(400, `${CALLBACK_HEADER}: must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (!url.hostname) throw new GatewayError(400, `${CALLBACK_HEADER}: must name a host`);
  if (url.username || url.password)
    throw new GatewayError(400, `${CALLBACK_HEADER}: must not carry credentials (user:password@)`);
  return url;
}

/** Refuses a callback URL outside `allowed` origins, naming the setting, before anything is contacted. */
export function assertCallbackAllowed(url: URL, allowed: readonly string[]): void {
  if (!allowed.includes(url.origin)) {
    throw new GatewayError(
      400,
      `${CALLBACK_HEADER}: ${url.origin} is not an allowed callback origin (the gateway's callbackOrigins setting; the local stack allows the gateway itself and the orchestrator's BATON_PUBLIC_URL)`,
    );
  }
}

/**
 * Refuses a callback URL nobody could answer: its host must resolve and accept a TCP connection within
 * `timeoutMs`, else 400 `X-Callback-Url: callback URL <origin> is unreachable (<why>)`. This catches a typo or a
 * stopped orchestrator when the call is made, instead of a lost result minutes later.
 */
export async function assertCallbackReachable(url: URL, timeoutMs: number): Promise<void> {
  const why = await tcpProbe(url, timeoutMs);
  if (why) throw new GatewayError(400, `${CALLBACK_HEADER}: callback URL ${url.origin} is unreachable (${why})`);
}

/** `undefined` when a TCP connection to the URL's host and port opened within `timeoutMs`; else the reason. */
function tcpProbe(url: URL, timeoutMs: number): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code ? `${err.syscall ?? 'connect'} ${err.code}` : err.message),
    );
  });
}

/** What the gateway POSTs to the callback URL once a queued call has finished. */
export interface CallbackResult {
  callId: string;
  functionName: string;
  /** The function's HTTP status, or the gateway's (500/503) when the call did not reach it or broke. */
  status: number;
  durationSeconds: number;
  /**
   * The response headers of the function (as the gateway's `/function` route passed them on), or the gateway's own
   * (`Content-Type: text/plain`) when the call did not reach it. Hop-by-hop headers and Content-Length are left out.
   */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Response headers not copied onto the callback: hop-by-hop ones (RFC 7230) and those the POST recomputes. */
const NOT_COPIED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
  'host',
]);

/** The headers of a function's response that the callback carries. */
export function copiedResponseHeaders(headers: Headers): Record<string, string> {
  const copied: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!NOT_COPIED.has(name)) copied[name] = value;
  });
  return copied;
}

/**
 * POSTs the result once, as the community queue-worker does: the function's response headers, then `X-Call-Id`,
 * `X-Function-Status`, `X-Function-Name` and `X-Duration-Seconds` (decimal seconds, `%f` like Go's) over them. The
 * copied headers are how a function can speak to the callback receiver (Baton's templates sign their answers in
 * `X-Baton-Signature`); nothing of the original request but its `X-Call-Id` reaches the callback.
 * Redirects are not followed (undici's `request` never does). Resolves with the callback's status; rejects on a
 * connection error, `timeoutMs` or `signal`.
 */
export async function postCallback(
  url: URL,
  result: CallbackResult,
  options: { timeoutMs: number; signal: AbortSignal; dispatcher?: Dispatcher },
): Promise<number> {
  const headers: Record<string, string> = {
    ...result.headers,
    'x-call-id': result.callId,
    'x-function-status': String(result.status),
    'x-function-name': result.functionName,
    'x-duration-seconds': result.durationSeconds.toFixed(6),
  };
  const response = await request(url, {
    method: 'POST',
    headers,
    body: result.body,
    signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    ...(options.dispatcher && { dispatcher: options.dispatcher }),
  });
  await response.body.dump();
  return response.statusCode;
}
