import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { readIncomingCapped } from '../../../template/baton-node/request-body.ts';
import { GatewayError } from './gateway-error.ts';
import { assertCallbackAllowed, assertCallbackReachable, CALLBACK_HEADER, parseCallbackUrl } from './async-callback.ts';
import type { AsyncQueue } from './async-queue.ts';
import { FUNCTION_NAMESPACE, type GatewayBackend } from './backend.ts';
import { assertKnownNamespace, splitQualifiedName } from './namespace.ts';
import { HOP_HEADERS } from './proxy.ts';

/** Hop-by-hop headers and the length the queued request recomputes: not kept with a queued call. */
const DROPPED_HEADERS = new Set([...HOP_HEADERS, 'content-length']);

/** Function names as the OpenFaaS gateway routes them, `name` or `name.namespace` (the same pattern as `/function/*`). */
const ASYNC_PATH = /^\/async-function\/([-a-zA-Z_0-9.]+)(\/.*)?$/;

/**
 * `/async-function/{name}[.{namespace}][/{path}]`, the OpenFaaS gateway's queued invocation: POST only (405 otherwise),
 * 404 for an unknown function or namespace, 400 for a bad or unreachable `X-Callback-Url` (optional: without it the call is fire and
 * forget), 413 for a body beyond `maxBodyBytes`, 429 when the queue is full. Otherwise the request (method, sub-path,
 * query, headers, body) is queued and the answer is 202 with `X-Call-Id` (the caller's, else a new one) and no body;
 * the queue runs it later and POSTs the result to the callback URL (see AsyncQueue).
 */
export function asyncFunctionRoutes(backend: GatewayBackend, queue: AsyncQueue): Hono {
  return new Hono().all('/*', async (c) => {
    const url = new URL(c.req.url);
    const match = ASYNC_PATH.exec(url.pathname);
    if (!match) throw new GatewayError(404, '404 page not found');
    if (c.req.method !== 'POST')
      throw new GatewayError(405, 'Method Not Allowed: asynchronous calls are POST requests', { Allow: 'POST' });
    const [, qualified = '', subPath = '/'] = match;
    const { name, namespace } = splitQualifiedName(qualified);
    assertKnownNamespace(namespace);
    if (!backend.getFunction(name))
      throw new GatewayError(404, `error finding function ${name}.${FUNCTION_NAMESPACE}: not found`);

    const callbackUrl = parseCallbackUrl(c.req.header(CALLBACK_HEADER));
    // The gateway itself (as the caller reached it) is always a fine place for results: it routes to functions.
    if (callbackUrl) assertCallbackAllowed(callbackUrl, [url.origin, ...queue.settings.callbackOrigins]);
    queue.assertAccepting();
    const body = await readBody(
      c.req.raw,
      (c.env as HttpBindings | undefined)?.incoming,
      Math.min(queue.settings.maxBodyBytes, backend.getFunction(name)!.spec.maxRequestBytes),
    );
    if (callbackUrl) await assertCallbackReachable(callbackUrl, queue.settings.callbackCheckTimeoutMs);

    const callId = c.req.header('x-call-id') || randomUUID();
    const headers = keptHeaders(c.req.raw.headers);
    headers['x-call-id'] = callId;
    headers['x-forwarded-host'] ??= url.host;
    const remote = (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
    if (remote) headers['x-forwarded-for'] ??= remote;

    queue.enqueue({
      callId,
      functionName: name,
      method: c.req.method,
      path: subPath,
      search: url.search,
      headers,
      body,
      ...(callbackUrl && { callbackUrl }),
    });
    return c.body(null, 202, { 'X-Call-Id': callId });
  });
}

/** `GET /system/queue` (basic auth is applied by the app): the queue's numbers as JSON. */
export function queueStatsHandler(queue: AsyncQueue) {
  return (c: Context): Response => c.json(queue.stats());
}

/**
 * The whole body, refused with 413 beyond `maxBytes` (by Content-Length when given, else while reading). From Node's
 * request stream the refused rest is left unread: @hono/node-server drains it after the 413, so the caller keeps its
 * connection.
 */
async function readBody(
  request: Request,
  incoming: IncomingMessage | undefined,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new GatewayError(
      413,
      `the body of an asynchronous call must not exceed ${maxBytes} bytes; pass large data by reference`,
    );
  if (Number(request.headers.get('content-length')) > maxBytes) throw tooLarge();
  if (incoming) {
    const body = await readIncomingCapped(incoming, maxBytes);
    if (!body) throw tooLarge();
    return body;
  }
  if (!request.body) return new Uint8Array();
  // Called in-process (tests): no socket to keep, the stream is cancelled.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function keptHeaders(incoming: Headers): Record<string, string> {
  const headers: Record<string, string> = {};
  incoming.forEach((value, key) => {
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  });
  return headers;
}
