/**
 * A request body read with a cap straight from Node's request stream. Past the cap the rest is not read here:
 * @hono/node-server drains it once the 413 is sent, so the proxy in front (the watchdog), which writes the whole
 * body before it reads the answer and keeps its connection for the next request, gets the 413 and that next call.
 * Without a Node request (the app called in-process) hono's own `bodyLimit` does the counting.
 */
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { readIncomingCapped } from '../../../template/baton-node/request-body.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function cappedBody(maxBytes: number, tooLarge: () => Error): MiddlewareHandler {
  const inProcess = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    if (!incoming) return inProcess(c, next);
    // Only the methods that send bodies to the API's routes: a GET or TRACE carrying one is not read (and no
    // Request could hold it), it is refused by routing; nor is a request declaring neither a length nor chunks.
    if (!BODY_METHODS.has(c.req.method)) return next();
    if (!c.req.header('content-length') && !c.req.header('transfer-encoding')) return next();
    if (Number(c.req.header('content-length') ?? 0) > maxBytes) throw tooLarge();
    const body = await readIncomingCapped(incoming, maxBytes);
    if (!body) throw tooLarge();
    const { url, method, headers } = c.req.raw;
    c.req.raw = new Request(url, { method, headers, body });
    return next();
  };
}
