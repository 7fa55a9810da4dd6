/**
 * Request bodies read with a cap straight from Node's request stream. A refused body's rest is left unread: once the
 * answer is sent, @hono/node-server drains what is left of a POST's, PUT's, ... body (up to 64 MiB or 500 ms, then it
 * closes the connection), so a client or proxy (the watchdog) that writes its whole body before it reads the answer
 * gets the 413 and keeps its connection for the next call. Used by the orchestrator's API and the local gateway.
 */
import type { IncomingMessage } from 'node:http';

/** The whole body, or undefined once it passes `maxBytes` (the rest is then left paused, for the server to drain). */
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
      incoming.pause(); // removing the 'data' listener does not stop the flow; hono's drain resumes it, bounded
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
