/**
 * A request body read with a cap straight from Node's request stream. Past the cap the rest is drained, not left
 * on the socket: the proxy in front (the watchdog) writes the whole body before it reads the answer, and keeps its
 * connection for the next request, so an unread body would cost it the 413 and the next call. Without a Node
 * request (the app called in-process) hono's own `bodyLimit` does the counting.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Drained bytes beyond which the connection is dropped instead (as @hono/node-server does after answering). */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

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
    if (Number(c.req.header('content-length') ?? 0) > maxBytes) {
      drainRequest(incoming);
      throw tooLarge();
    }
    const body = await readIncomingCapped(incoming, maxBytes);
    if (!body) throw tooLarge();
    const { url, method, headers } = c.req.raw;
    c.req.raw = new Request(url, { method, headers, body });
    return next();
  };
}

/** The whole body, or undefined once it passes `maxBytes` (the rest is then drained). */
function readIncomingCapped(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', reject);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      drainRequest(incoming);
      resolve(undefined);
    };
    const onEnd = () => {
      stop();
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(body);
    };
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', reject);
  });
}

/**
 * Reads and drops the rest of a refused body, up to MAX_DRAIN_BYTES (past that the connection goes), so the
 * client, which writes its whole body before it reads the answer, gets the answer and may reuse the connection.
 */
export function drainRequest(incoming: IncomingMessage): void {
  let drained = 0;
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN_BYTES) {
      incoming.off('data', onData);
      incoming.socket?.destroy();
    }
  };
  incoming.on('data', onData);
  incoming.resume();
}
