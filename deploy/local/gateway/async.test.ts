/**
 * `/async-function/*` in process: the app with a fake backend, a stand-in replica and a real callback server on
 * loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FunctionSpec } from '../stack-file.ts';
import { createGatewayApp } from './app.ts';
import { AsyncQueue, type AsyncQueueSettings } from './async-queue.ts';
import { exchangeOnOneConnection, FakeBackend, statusesOf, testSpec } from './testing.ts';

/** A function without environment, labels or secrets of its own. */
const spec = (name: string, overrides: Partial<FunctionSpec> = {}) =>
  testSpec(name, { environment: {}, labels: {}, secrets: [], ...overrides });

interface Received {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server that records what it receives and answers with `answer`. */
async function recordingServer(answer: (req: Received, res: import('node:http').ServerResponse) => void) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        const seen = {
          url: req.url!,
          method: req.method!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        received.push(seen);
        answer(seen, res);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

const auth = { user: 'admin', password: 's3cret-pass' };
const authHeader = { Authorization: `Basic ${Buffer.from('admin:s3cret-pass').toString('base64')}` };

/** A W3C trace context, as the invoke activity sends it. */
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('/async-function/{name}', () => {
  /** The stand-in replica: echoes as JSON (201); `/fail` 500 text; `/busy` 429 + Retry-After; `/hang` never answers; `/slow` after 1 s. */
  let upstream: Awaited<ReturnType<typeof recordingServer>>;
  /** The callback receiver: 200, except `/cb500` (500) and `/redirect` (302 to `/moved`). */
  let callbacks: Awaited<ReturnType<typeof recordingServer>>;
  before(async () => {
    upstream = await recordingServer((req, res) => {
      if (req.url === '/hang') return;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 1_000);
      if (req.url === '/fail') {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        return void res.end('boom');
      }
      if (req.url === '/busy') {
        res.writeHead(429, { 'Retry-After': '7' });
        return void res.end();
      }
      res.writeHead(201, {
        'Content-Type': 'application/json',
        'X-Custom': 'forwarded',
        'X-Baton-Signature': 'v1,exp=1,sig=x',
      });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: req.body }));
    });
    callbacks = await recordingServer((req, res) => {
      if (req.url === '/cb500') res.writeHead(500);
      if (req.url === '/redirect') res.writeHead(302, { Location: '/moved' });
      res.end('thanks');
    });
  });
  after(async () => {
    await upstream.close();
    await callbacks.close();
  });

  let backend: FakeBackend;
  let queue: AsyncQueue;
  const queues: AsyncQueue[] = [];
  after(() => Promise.all(queues.map((q) => q.stop())));
  const make = (settings: AsyncQueueSettings = {}) => {
    queue = new AsyncQueue({ backend, callbackOrigins: [new URL(callbacks.url).origin], ...settings });
    queues.push(queue);
    return createGatewayApp({
      backend,
      basicAuth: auth,
      replicaWaitMs: 100,
      upstreamTimeoutMarginMs: 100,
      asyncQueue: queue,
    });
  };
  let app: ReturnType<typeof createGatewayApp>;
  beforeEach(() => {
    upstream.received.length = 0;
    callbacks.received.length = 0;
    backend = new FakeBackend([spec('echo'), spec('quick', { timeouts: { execMs: 100, readMs: 100, writeMs: 200 } })], {
      availableReplicas: 1,
    });
    app = make();
  });
  const submit = (path: string, headers: Record<string, string> = {}, body = '{"input":1}') =>
    app.request(path, { method: 'POST', headers, body });

  it('answers 202 with the caller’s X-Call-Id at once, then POSTs the result once to X-Callback-Url', async () => {
    backend.target = { instance: 'echo-1', url: upstream.url };
    const res = await submit('/async-function/echo/a/b?x=1', {
      'X-Call-Id': 'call-7',
      'X-Callback-Url': `${callbacks.url}/cb/token-1`,
      'Content-Type': 'application/json',
      traceparent: TRACEPARENT,
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('X-Call-Id'), 'call-7');
    assert.equal(await res.text(), '');

    await until('the callback arrived', () => callbacks.received.length === 1);
    const [cb] = callbacks.received;
    const [call] = upstream.received;
    assert.equal(call!.method, 'POST');
    assert.equal(call!.url, '/a/b?x=1');
    assert.equal(call!.body, '{"input":1}');
    assert.equal(call!.headers['x-call-id'], 'call-7');
    assert.equal(call!.headers.traceparent, TRACEPARENT, 'the queued call keeps the trace context');
    assert.equal(
      call!.headers['x-callback-url'],
      `${callbacks.url}/cb/token-1`,
      'the function sees the headers, as in OpenFaaS',
    );
    assert.equal(call!.headers['content-length'], '11');
    assert.match(String(call!.headers['x-start-time']), /^\d{19}$/, 'went through the /function proxy');

    assert.equal(cb!.method, 'POST');
    assert.equal(cb!.url, '/cb/token-1');
    assert.equal(
      cb!.body,
      JSON.stringify({ method: call!.method, url: call!.url, headers: call!.headers, body: call!.body }),
      'the body, byte for byte',
    );
    assert.equal(cb!.headers['x-call-id'], 'call-7');
    assert.equal(cb!.headers['x-function-status'], '201');
    assert.equal(cb!.headers['x-function-name'], 'echo');
    assert.match(String(cb!.headers['x-duration-seconds']), /^\d+\.\d{6}$/);
    assert.equal(cb!.headers['content-type'], 'application/json');
    assert.equal(
      cb!.headers['x-custom'],
      'forwarded',
      'the function’s response headers are copied, as the queue-worker does',
    );
    assert.equal(cb!.headers['x-baton-signature'], 'v1,exp=1,sig=x', 'so a function can sign its answer');
    assert.equal(cb!.headers['x-callback-url'], undefined, 'nothing of the request but X-Call-Id reaches the callback');
    assert.equal(cb!.headers['content-length'], String(cb!.body.length));

    const status = await app.request('/system/function/echo', { headers: authHeader });
    assert.equal(
      ((await status.json()) as { invocationCount: number }).invocationCount,
      1,
      'the invocation is counted',
    );
    await until('the outcome is logged', () => backend.gatewayLines('echo').length === 1);
    const [line] = backend.gatewayLines('echo');
    assert.match(
      line!,
      new RegExp(`^async call call-7: echo answered 201 in [\\d.]+ s; callback to ${callbacks.url} answered 200$`),
    );
    assert.doesNotMatch(line!, /token-1/, 'the callback path (it carries a token) is not logged');
  });

  it('makes an X-Call-Id when none is sent, and runs a call without X-Callback-Url (fire and forget)', async () => {
    backend.target = { instance: 'echo-1', url: upstream.url };
    const res = await submit('/async-function/echo');
    assert.equal(res.status, 202);
    const id = res.headers.get('X-Call-Id') ?? '';
    assert.match(id, /^[0-9a-f-]{36}$/);
    await until('the function was called', () => upstream.received.length === 1);
    assert.equal(upstream.received[0]!.headers['x-call-id'], id);
    assert.equal(upstream.received[0]!.url, '/');
    await until('the outcome is logged', () => backend.gatewayLines('echo').length === 1);
    assert.match(backend.gatewayLines('echo')[0]!, /answered 201 .*; no callback URL$/);
    assert.equal(callbacks.received.length, 0);
  });

  it('answers 400 naming X-Callback-Url for a URL that is not absolute http(s), not allowed, or unreachable', async () => {
    backend.target = { instance: 'echo-1', url: upstream.url };
    app = make({ callbackOrigins: ['http://127.0.0.1:1', 'http://no-such-host.invalid'] });
    const cases: [string, RegExp][] = [
      // Not on the list: refused before any connection, so the gateway is no port scanner.
      [
        'http://10.1.2.3:22/cb/secret-token',
        /^X-Callback-Url: http:\/\/10\.1\.2\.3:22 is not an allowed callback origin \(the gateway's callbackOrigins setting/,
      ],
      [`${callbacks.url}/cb`, /is not an allowed callback origin/],
      ['ftp://127.0.0.1/cb', /^X-Callback-Url: must be an http:\/\/ or https:\/\/ URL, not ftp:$/],
      ['file:///etc/passwd', /^X-Callback-Url: must be an http:\/\/ or https:\/\/ URL, not file:$/],
      ['/relative/cb', /^X-Callback-Url: must be an absolute http:\/\/ or https:\/\/ URL/],
      ['not a url at all', /^X-Callback-Url: must be an absolute http:\/\/ or https:\/\/ URL/],
      ['http://user:pw@127.0.0.1/cb', /^X-Callback-Url: must not carry credentials/],
      [
        'http://127.0.0.1:1/cb/secret-token',
        /^X-Callback-Url: callback URL http:\/\/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED\)$/,
      ],
      ['http://no-such-host.invalid/cb', /^X-Callback-Url: callback URL http:\/\/no-such-host\.invalid is unreachable/],
    ];
    for (const [value, message] of cases) {
      const started = Date.now();
      const res = await submit('/async-function/echo', { 'X-Callback-Url': value });
      assert.equal(res.status, 400, value);
      const text = await res.text();
      assert.match(text, message);
      assert.doesNotMatch(text, /secret-token/);
      assert.ok(Date.now() - started < 1_500, `the reachability check of ${value} gave up within about 1 s`);
    }
    await sleep(50);
    assert.equal(upstream.received.length, 0, 'nothing was queued');
    assert.equal(queue.stats().queued + queue.stats().inFlight, 0);
  });

  it('answers 404 for an unknown function, 405 for another method than POST, 413 for a body too large', async () => {
    const unknown = await submit('/async-function/nope', { 'X-Callback-Url': `${callbacks.url}/cb` });
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'error finding function nope.openfaas-fn: not found');
    assert.equal((await app.request('/async-function/')).status, 404);
    const get = await app.request('/async-function/echo');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('Allow'), 'POST');
    app = make({ maxBodyBytes: 10 });
    const large = await submit('/async-function/echo', {}, '12345678901');
    assert.equal(large.status, 413);
    assert.match(await large.text(), /must not exceed 10 bytes/);
  });

  it('answers 413 over a real socket to a caller still streaming a large body, and keeps its connection', async () => {
    app = make({ maxBodyBytes: 10 });
    const received = await exchangeOnOneConnection(
      app.fetch,
      async (write) => {
        // 4 MiB in chunks without a Content-Length: refused while reading, the rest drained; then a second call.
        await write('POST /async-function/echo HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 'x');
        for (let i = 0; i < 64; i++) await write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        await write('0\r\n\r\nPOST /async-function/nope HTTP/1.1\r\nHost: gateway\r\nContent-Length: 2\r\n\r\n{}');
      },
      /HTTP\/1\.1 404/,
    );
    assert.deepEqual(statusesOf(received), [413, 404], 'both answers on one connection');
    assert.match(received, /must not exceed 10 bytes/);
  });

  it('forwards a failing function’s status (and Retry-After) in X-Function-Status, with its body', async () => {
    backend.target = { instance: 'echo-1', url: upstream.url };
    await submit('/async-function/echo/fail', { 'X-Callback-Url': `${callbacks.url}/cb` });
    await until('the callback arrived', () => callbacks.received.length === 1);
    const [cb] = callbacks.received;
    assert.equal(cb!.headers['x-function-status'], '500');
    assert.equal(cb!.headers['content-type'], 'text/plain');
    assert.equal(cb!.body, 'boom');

    await submit('/async-function/echo/busy', { 'X-Callback-Url': `${callbacks.url}/cb` });
    await until('the second callback arrived', () => callbacks.received.length === 2);
    const busy = callbacks.received[1]!;
    assert.equal(busy.headers['x-function-status'], '429');
    assert.equal(busy.headers['retry-after'], '7', 'Retry-After is passed on with the status');
    assert.equal(busy.headers['content-type'], undefined, 'no Content-Type when the function sent none');
    assert.equal(busy.body, '');
  });

  it('reports gateway-side failures as 503 with a text body: no ready replica, a replica too slow', async () => {
    backend.target = undefined;
    await submit('/async-function/echo', { 'X-Callback-Url': `${callbacks.url}/cb`, 'X-Call-Id': 'no-replica' });
    backend.target = { instance: 'quick-1', url: upstream.url };
    await submit('/async-function/quick/slow', { 'X-Callback-Url': `${callbacks.url}/cb`, 'X-Call-Id': 'too-slow' });
    await until('both callbacks arrived', () => callbacks.received.length === 2);
    const byId = new Map(callbacks.received.map((r) => [r.headers['x-call-id'], r]));
    const none = byId.get('no-replica')!;
    assert.equal(none.headers['x-function-status'], '503');
    assert.equal(none.headers['x-function-name'], 'echo');
    assert.match(String(none.headers['content-type']), /^text\/plain/);
    assert.equal(none.body, 'No endpoints available for: echo.');
    const slow = byId.get('too-slow')!;
    assert.equal(slow.headers['x-function-status'], '503');
    assert.match(slow.body, /^Can't reach service for: quick \(quick-1\): no answer within 0\.3 s$/);
    assert.match(
      backend.gatewayLines('echo')[0]!,
      /^async call no-replica: not run: No endpoints available for: echo\. \(X-Function-Status 503\)/,
    );
  });

  it('delivers exactly once, without retrying a callback that answers 500 or following a redirect', async () => {
    backend.target = { instance: 'echo-1', url: upstream.url };
    await submit('/async-function/echo', { 'X-Callback-Url': `${callbacks.url}/cb500` });
    await submit('/async-function/echo', { 'X-Callback-Url': `${callbacks.url}/redirect` });
    await until('both outcomes are logged', () => backend.gatewayLines('echo').length === 2);
    await sleep(300);
    assert.deepEqual(
      callbacks.received.map((r) => r.url).sort(),
      ['/cb500', '/redirect'],
      'one POST each, no retry, no redirect followed',
    );
    const lines = backend.gatewayLines('echo');
    assert.ok(
      lines.some((l) => l.endsWith(`callback to ${callbacks.url} answered 500`)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.endsWith(`callback to ${callbacks.url} answered 302`)),
      lines.join('\n'),
    );
    assert.ok(
      lines.every((l) => !l.includes('"method"')),
      'never the body',
    );
  });

  it('answers 429 when the queue is full, reports /system/queue, and stop() drops queued calls and aborts running ones', async () => {
    app = make({ capacity: 2 });
    backend.target = { instance: 'echo-1', url: upstream.url };
    const hang = () => submit('/async-function/echo/hang', { 'X-Callback-Url': `${callbacks.url}/cb` });
    assert.equal((await hang()).status, 202);
    await until('the first call runs', () => upstream.received.length === 1);
    assert.equal((await hang()).status, 202);
    assert.equal((await hang()).status, 202);
    const full = await hang();
    assert.equal(full.status, 429);
    assert.equal(full.headers.get('Retry-After'), '5');
    assert.equal(await full.text(), 'the asynchronous queue is full (2 calls waiting); retry later');

    assert.equal((await app.request('/system/queue')).status, 401, 'basic auth like /system/*');
    const stats = await app.request('/system/queue', { headers: authHeader });
    assert.deepEqual(await stats.json(), {
      queued: 2,
      inFlight: 1,
      capacity: 2,
      maxInFlight: 16,
      perFunction: {
        echo: { queued: 2, inFlight: 1, maxInFlight: 1 },
        quick: { queued: 0, inFlight: 0, maxInFlight: 1 },
      },
    });

    const started = Date.now();
    await queue.stop();
    assert.ok(Date.now() - started < 500, 'stop() did not wait for the hanging call');
    assert.deepEqual(backend.gatewayLines('echo'), [
      'async queue stopped: dropped 2 queued call(s), aborted 1 call(s) in flight; no callback is sent for them',
    ]);
    assert.deepEqual(queue.stats().perFunction.echo, { queued: 0, inFlight: 0, maxInFlight: 1 });
    const after = await hang();
    assert.equal(after.status, 503);
    await sleep(100);
    assert.equal(callbacks.received.length, 0, 'no result is posted for dropped or aborted calls');
    assert.equal(upstream.received.length, 1);
  });

  it('runs max_inflight calls per ready replica of a function, within the global cap', async () => {
    backend = new FakeBackend([spec('echo', { environment: { max_inflight: '2' } }), spec('quick')], {
      availableReplicas: 1,
    });
    backend.getFunction('echo')!.availableReplicas = 2;
    app = make({ maxInFlight: 3 });
    backend.target = { instance: 'echo-1', url: upstream.url };
    for (let i = 0; i < 5; i++) await submit('/async-function/echo/hang');
    await until('three calls run', () => upstream.received.length === 3);
    await sleep(100);
    assert.equal(upstream.received.length, 3);
    assert.deepEqual(queue.stats().perFunction.echo, { queued: 2, inFlight: 3, maxInFlight: 3 });

    backend.getFunction('quick')!.availableReplicas = 0;
    await submit('/async-function/quick/hang');
    assert.deepEqual(
      queue.stats().perFunction.quick,
      { queued: 1, inFlight: 0, maxInFlight: 1 },
      'one slot wakes a function with no ready replica',
    );
    await queue.stop();
  });
});
