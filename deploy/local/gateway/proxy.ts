import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { request, type Dispatcher } from 'undici';
import { GatewayError } from './gateway-error.ts';
import { MAX_REQUEST_ANNOTATION } from '../stack-file.ts';
import { FUNCTION_NAMESPACE, type GatewayBackend } from './backend.ts';
import { assertKnownNamespace, splitQualifiedName } from './namespace.ts';

/** Options of the `/function/{name}[/{path}]` pass-through. */
export interface FunctionProxyOptions {
  backend: GatewayBackend;
  /** How long a call waits for a replica that is starting before 503 (default 5 s). */
  replicaWaitMs: number;
  /** Added to the function's max(exec_timeout, write_timeout) to give the upstream timeout (default 5 s). */
  upstreamTimeoutMarginMs: number;
  /** Counts calls per function (`invocationCount`). */
  countInvocation(name: string): void;
  dispatcher?: Dispatcher;
}

/** Hop-by-hop headers (RFC 7230): never forwarded, either way. `host` is the upstream's own. */
export const HOP_HEADERS = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
]);

/** Function names as the OpenFaaS gateway routes them: `name` or `name.namespace`. */
const FUNCTION_PATH = /^\/function\/([-a-zA-Z_0-9.]+)(\/.*)?$/;

/**
 * Streams a call to `/function/{name}[.{namespace}][/{path}]` to a ready replica of the function, round-robin, like
 * the OpenFaaS gateway (404 naming an unknown namespace): keeps the caller's
 * `X-Call-Id` (or makes one), sets `X-Start-Time` (Unix nanoseconds) on the request and the response, and passes
 * the sub-path and query string. 404 for an unknown function; 503 with `X-OpenFaaS-Internal: proxy` when no
 * replica is ready in time; 502 when the replica cannot be reached or does not answer within the upstream timeout.
 */
export function functionProxy(options: FunctionProxyOptions) {
  return async (c: Context): Promise<Response> => {
    const url = new URL(c.req.url);
    const match = FUNCTION_PATH.exec(url.pathname);
    if (!match) throw new GatewayError(404, '404 page not found');
    const [, qualified = '', subPath = '/'] = match;
    const { name, namespace } = splitQualifiedName(qualified);
    assertKnownNamespace(namespace);
    const fn = options.backend.getFunction(name);
    if (!fn) throw new GatewayError(404, `error finding function ${name}.${FUNCTION_NAMESPACE}: not found`);
    options.countInvocation(name);

    const ids = { 'x-call-id': c.req.header('x-call-id') || randomUUID(), 'x-start-time': unixNanos() };
    const target = await options.backend.acquireReplica(name, options.replicaWaitMs, c.req.raw.signal);
    if (!target)
      throw new GatewayError(503, `No endpoints available for: ${name}.`, { 'X-OpenFaaS-Internal': 'proxy' });

    const headers: Record<string, string> = { ...forwardable(c.req.raw.headers), ...ids };
    headers['x-forwarded-host'] ??= url.host;
    const remote = (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
    if (remote) headers['x-forwarded-for'] ??= remote;

    const maxBytes = fn.spec.maxRequestBytes;
    const tooLarge = () =>
      new GatewayError(
        413,
        `request body for ${name} is larger than ${maxBytes} bytes (its stack.yml annotation ${MAX_REQUEST_ANNOTATION})`,
      );
    const incoming = (c.env as HttpBindings | undefined)?.incoming;
    if (Number(c.req.header('content-length') ?? 0) > maxBytes) throw tooLarge();
    const body = cappedStream(c, incoming, maxBytes);

    const timeoutMs = Math.max(fn.spec.timeouts.execMs, fn.spec.timeouts.writeMs) + options.upstreamTimeoutMarginMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(`${target.url}${subPath}${url.search}`, {
        method: c.req.method as Dispatcher.HttpMethod,
        headers,
        body: body?.stream ?? null,
        signal: AbortSignal.any([c.req.raw.signal, timeout]),
        headersTimeout: 0, // the signal above is the one timeout
        bodyTimeout: 0,
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
    } catch (err) {
      if (body?.overflowed()) throw tooLarge();
      const why = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : (err as Error).message;
      throw new GatewayError(502, `Can't reach service for: ${name} (${target.instance}): ${why}`, {
        'X-OpenFaaS-Internal': 'proxy',
      });
    }
    return passThrough(upstream, c.req.method, ids);
  };
}

/**
 * The request body as a stream that fails past `maxBytes`. Read from Node's request directly when there is one, so
 * a refused rest stays on it for @hono/node-server to drain after the 413 (unpipe pauses it) and the caller's
 * connection survives; else (in-process calls) from the Request, cancelled.
 */
function cappedStream(
  c: Context,
  incoming: HttpBindings['incoming'] | undefined,
  maxBytes: number,
): { stream: Readable; overflowed(): boolean } | undefined {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return undefined;
  const declared = c.req.header('content-length') !== undefined || c.req.header('transfer-encoding') !== undefined;
  const source = incoming
    ? declared
      ? incoming
      : undefined
    : c.req.raw.body
      ? Readable.fromWeb(c.req.raw.body as NodeReadableStream)
      : undefined;
  if (!source) return undefined;
  let size = 0;
  let overflowed = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size <= maxBytes) return done(null, chunk);
      overflowed = true;
      source.unpipe(counter);
      if (!incoming) source.destroy();
      done(new Error(`request body over ${maxBytes} bytes`));
    },
  });
  source.pipe(counter);
  return { stream: counter, overflowed: () => overflowed };
}

/** The replica's response as it streams in, without hop-by-hop headers, with the gateway's own headers set. */
function passThrough(upstream: Dispatcher.ResponseData, method: string, ownHeaders: Record<string, string>): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(upstream.headers)) {
    if (HOP_HEADERS.has(key) || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(key, item);
  }
  for (const [key, value] of Object.entries(ownHeaders)) headers.set(key, value);
  if (method === 'HEAD' || [204, 205, 304].includes(upstream.statusCode)) {
    // Release the connection: dump(), not destroy(), which raises an unhandled AbortError on undici's body.
    upstream.body.dump().catch(() => {});
    return new Response(null, { status: upstream.statusCode, headers });
  }
  return new Response(Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>, {
    status: upstream.statusCode,
    headers,
  });
}

function forwardable(incoming: Headers): Record<string, string> {
  const headers: Record<string, string> = {};
  incoming.forEach((value, key) => {
    if (!HOP_HEADERS.has(key)) headers[key] = value;
  });
  return headers;
}

/** The OpenFaaS gateway's `X-Start-Time`: `time.Now().UTC().UnixNano()` in decimal. */
function unixNanos(): string {
  return (BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n).toString();
}
