/** Reading a function's answer with a cap, so a runaway function cannot make the worker buffer gigabytes. */

/** Raised when the body passed the cap; nothing of it is kept. */
export class AnswerTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * The body as text, read chunk by chunk; past `maxBytes` the stream is destroyed (the connection is not reused)
 * and AnswerTooLargeError is thrown.
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown },
  maxBytes: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      const error = new AnswerTooLargeError(maxBytes);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
