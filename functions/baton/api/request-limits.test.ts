/** The request limits, on a small app answering errors as the trigger API does, called in-process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Client } from 'undici';
import { answerError } from './trigger-api-error.ts';
import { requestLimits } from './request-limits.ts';

/** An app whose routes record how many body bytes they read, behind the limits. */
function limitedApp() {
  const read: number[] = [];
  const app = new Hono();
  app.use(requestLimits({ maxBodyBytes: 2048, maxCallbackBytes: 8192, allowedOrigins: ['https://baton.example.com'] }));
  const echo = async (c: { req: { text(): Promise<string> }; json(body: unknown): Response }) => {
    const body = await c.req.text();
    read.push(body.length);
    return c.json({ bytes: body.length });
  };
  app.post('/runs', echo);
  app.post('/runs/:id/cancel', echo);
  app.post('/callbacks/:token', echo);
  app.post('/codec/decode', echo);
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/boom', () => {
    throw new Error('connect ECONNREFUSED 10.1.2.3:7233');
  });
  app.onError(answerError);
  return { app, read };
}

const json = { 'content-type': 'application/json' };
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { message: string; correlationId?: string } }).error;

test('a body over the cap is a 413 before the route reads it; at the cap it passes', async () => {
  const { app, read } = limitedApp();
  const over = await app.request('/runs', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ pad: 'x'.repeat(4096) }),
  });
  assert.equal(over.status, 413);
  assert.match((await errorOf(over)).message, /larger than 2048 bytes/);
  // Without a Content-Length (streamed), the count stops at the cap too.
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`"${'y'.repeat(5000)}"`));
      controller.close();
    },
  });
  const streamed = await app.request('/runs', {
    method: 'POST',
    headers: json,
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.deepEqual(read, [], 'the route never ran');
  const fits = await app.request('/runs', { method: 'POST', headers: json, body: `"${'z'.repeat(2000)}"` });
  assert.equal(fits.status, 200);
});

test('over a real kept-alive connection, a refused chunked body is drained: the 413 arrives and the next request works', async () => {
  const { app } = limitedApp();
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  // One connection only, as a proxy in front (the watchdog) reuses its upstream connection.
  const client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { pipelining: 1 });
  let connections = 0;
  client.on('connect', () => connections++);
  try {
    for (let i = 0; i < 20; i++) {
      // Chunked, as the watchdog forwards bodies: the server only learns the size while reading.
      const big = Readable.from(
        (function* () {
          for (let chunk = 0; chunk < 32; chunk++) yield Buffer.alloc(64 * 1024, 'x');
        })(),
      );
      const refused = await client.request({ path: '/runs', method: 'POST', headers: json, body: big });
      assert.equal(refused.statusCode, 413);
      await refused.body.text();
      const next = await client.request({ path: '/runs', method: 'POST', headers: json, body: '"small"' });
      assert.equal(next.statusCode, 200);
      await next.body.text();
      const read = await client.request({ path: '/health', method: 'GET' });
      assert.equal(read.statusCode, 200, 'a request without a body passes untouched');
      await read.body.text();
    }
    assert.equal(connections, 1, 'the same connection served every request');
    // A method that takes no body, sent with one: routing refuses it; no Request is built around the body.
    const trace = await client.request({ path: '/runs', method: 'TRACE', headers: json, body: '{"name": "x"}' });
    assert.equal(trace.statusCode, 404);
    await trace.body.text();
  } finally {
    await client.close();
    server.close();
  }
});

test('callbacks carry function answers: their own, larger cap, and any content type', async () => {
  const { app } = limitedApp();
  const answer = await app.request('/callbacks/t', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'a'.repeat(6000),
  });
  assert.equal(answer.status, 200);
  const over = await app.request('/callbacks/t', { method: 'POST', headers: json, body: 'a'.repeat(9000) });
  assert.equal(over.status, 413);
});

test('the codec server caps its own bodies (the UI sends batches); it must still be JSON', async () => {
  const { app } = limitedApp();
  assert.equal(
    (await app.request('/codec/decode', { method: 'POST', headers: json, body: `"${'p'.repeat(6000)}"` })).status,
    200,
  );
  assert.equal((await app.request('/codec/decode', { method: 'POST', body: 'x' })).status, 415);
});

test('a body that is not JSON is a 415 naming the type; a bodiless POST passes', async () => {
  const { app } = limitedApp();
  const text = await app.request('/runs', { method: 'POST', body: '{"pipeline": "x"}' }); // a string body is text/plain
  assert.equal(text.status, 415);
  assert.match((await errorOf(text)).message, /Content-Type: application\/json, not text\/plain/);
  const form = await app.request('/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1',
  });
  assert.equal(form.status, 415);
  assert.equal(
    (
      await app.request('/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{}',
      })
    ).status,
    200,
  );
  assert.equal((await app.request('/runs/r1/cancel', { method: 'POST' })).status, 200);
});

test('a state-changing request from a page of another origin is a 403 naming BATON_ALLOWED_ORIGINS; allowed or absent Origin passes', async () => {
  const { app, read } = limitedApp();
  const forged = await app.request('/runs/r1/cancel', {
    method: 'POST',
    headers: { origin: 'https://evil.example.net' },
  });
  assert.equal(forged.status, 403);
  assert.match((await errorOf(forged)).message, /https:\/\/evil\.example\.net.*BATON_ALLOWED_ORIGINS/);
  assert.deepEqual(read, []);
  assert.equal(
    (await app.request('/runs/r1/cancel', { method: 'POST', headers: { origin: 'https://baton.example.com' } })).status,
    200,
  );
  assert.equal((await app.request('/runs/r1/cancel', { method: 'POST' })).status, 200, 'CLI and curl send no Origin');
});

test('a 500 says nothing of its cause, only a correlation id that the log has with the detail', async () => {
  const { app } = limitedApp();
  const logged: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => logged.push(parts.map(String).join(' '));
  try {
    const response = await app.request('/boom');
    assert.equal(response.status, 500);
    const error = await errorOf(response);
    assert.ok(!JSON.stringify(error).includes('10.1.2.3'), 'no internal address in the answer');
    assert.match(error.correlationId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(error.message.includes(error.correlationId!));
    assert.ok(
      logged.some((line) => line.includes(error.correlationId!) && line.includes('10.1.2.3')),
      logged.join('\n'),
    );
  } finally {
    console.error = original;
  }
});
