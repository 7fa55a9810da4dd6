/**
 * Request bodies read with a cap straight from Node's request stream, and refused bodies drained rather than left on
 * the socket: a client or proxy (the watchdog) writes its whole body before it reads the answer and keeps the
 * connection for its next request, so an unread body would cost it the 413 and that next call. Used by the
 * orchestrator's API and the local gateway.
 */
import type { IncomingMessage } from 'node:http';

/** Drained bytes beyond which the connection is dropped instead (as @hono/node-server does after answering). */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** The whole body, or undefined once it passes `maxBytes` (the rest is then drained). */
export function readIncomingCapped(
  incoming: IncomingMessage,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
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
