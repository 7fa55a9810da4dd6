import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { AnswerTooLargeError, readCapped } from './read-capped.ts';

test('an answer over the cap is refused while streaming, before the rest is read; one within it is returned whole', async () => {
  let written = 0;
  const server = createServer((req, res) => {
    if (req.url === '/small') return res.end('{"output": {"ok": true}}');
    // An endless answer: only a reader that stops can finish.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (written < 512 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
    };
    res.on('drain', pump);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal(await readCapped((await request(`${url}/small`)).body, 1024), '{"output": {"ok": true}}');
    const huge = await request(`${url}/huge`);
    await assert.rejects(
      readCapped(huge.body, 1024 * 1024),
      (error: unknown) => error instanceof AnswerTooLargeError && error.maxBytes === 1024 * 1024,
    );
    assert.ok(written < 64 * 1024 * 1024, `the server could write only ${written} bytes before the reader stopped`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
