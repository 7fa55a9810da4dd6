import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createGatewayApp, type GatewayAppOptions } from './app.ts';
import { exchangeOnOneConnection, FakeBackend, statusesOf, testSpec as spec } from './testing.ts';

const auth = { user: 'admin', password: 's3cret-pass' };
const authHeader = { Authorization: `Basic ${Buffer.from('admin:s3cret-pass').toString('base64')}` };

describe('gateway routes', () => {
  let backend: FakeBackend;
  let app: ReturnType<typeof createGatewayApp>;
  const make = (options: Partial<GatewayAppOptions> = {}) =>
    createGatewayApp({ backend, basicAuth: auth, replicaWaitMs: 1234, upstreamTimeoutMarginMs: 100, ...options });

  /** A stand-in replica: echoes the request as JSON; `/slow` answers after 2 s; `/stream` sends two chunks 300 ms apart. */
  let upstream: Server;
  let upstreamUrl: string;
  before(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Custom': 'kept' });
        res.write('first\n');
        setTimeout(() => res.end('second\n'), 300);
        return;
      }
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      if (req.url === '/empty') return void res.writeHead(204, { 'X-Custom': 'kept' }).end();
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Custom': 'kept', Connection: 'keep-alive' });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });
  beforeEach(() => {
    backend = new FakeBackend([spec('echo'), spec('quick', { timeouts: { execMs: 100, readMs: 100, writeMs: 200 } })]);
    app = make();
  });

  describe('basic auth', () => {
    it('guards /system/* with 401 and WWW-Authenticate, and lets the right credentials in', async () => {
      const wrong = { Authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` };
      for (const headers of [{}, wrong] as Record<string, string>[]) {
        const res = await app.request('/system/functions', { headers });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('WWW-Authenticate'), 'Basic realm="Restricted"');
        assert.equal(await res.text(), 'invalid credentials');
      }
      assert.equal((await app.request('/system/functions', { headers: authHeader })).status, 200);
      assert.equal((await app.request('/system/logs?name=echo')).status, 401);
    });

    it('leaves /healthz and /function/* open, and /system/* too when no credentials are configured', async () => {
      assert.equal((await app.request('/healthz')).status, 200);
      assert.equal((await app.request('/function/echo')).status, 503, 'reached the proxy, not auth');
      assert.equal((await make({ basicAuth: undefined }).request('/system/functions')).status, 200);
    });
  });

  describe('/system/functions and /system/function/{name}', () => {
    it('reports each function like faas-provider FunctionStatus, with invocationCount', async () => {
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      await app.request('/function/echo');
      await app.request('/function/echo/x', { method: 'POST', body: '{}' });
      const list = (await (await app.request('/system/functions', { headers: authHeader })).json()) as Record<
        string,
        unknown
      >[];
      assert.deepEqual(
        list.map((f) => f.name),
        ['echo', 'quick'],
      );
      assert.deepEqual(list[0], {
        name: 'echo',
        image: 'baton/echo:test',
        namespace: 'openfaas-fn',
        envProcess: 'node echo.mjs',
        envVars: { exec_timeout: '5s', BATON_FUNCTION: 'echo' }, // the backend's environment, not the stack file's alone
        secrets: ['s3-access-key'],
        labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '3' },
        annotations: {},
        invocationCount: 2,
        replicas: 1,
        availableReplicas: 0,
        createdAt: '1970-01-01T00:00:00.000Z',
      });
      const one = await app.request('/system/function/quick', { headers: authHeader });
      assert.equal(((await one.json()) as { name: string }).name, 'quick');
      assert.equal((await app.request('/system/function/nope', { headers: authHeader })).status, 404);
    });
  });

  describe('/system/scale-function/{name}', () => {
    const scale = (name: string, body: unknown) =>
      app.request(`/system/scale-function/${name}`, {
        method: 'POST',
        headers: authHeader,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const replicas = async (name: string) =>
      ((await (await app.request(`/system/function/${name}`, { headers: authHeader })).json()) as { replicas: number })
        .replicas;

    it('answers 202 and clamps to the scale labels', async () => {
      assert.equal((await scale('echo', { serviceName: 'echo', replicas: 2 })).status, 202);
      assert.equal(await replicas('echo'), 2);
      await scale('echo', { serviceName: 'echo', replicas: 10 });
      assert.equal(await replicas('echo'), 3);
      await scale('echo', { replicas: 0 });
      assert.equal(await replicas('echo'), 1);
    });

    it('answers 400 naming the field of a bad body, 404 for an unknown function', async () => {
      const cases: [unknown, RegExp][] = [
        [{ serviceName: 'echo', replicas: 'two' }, /^replicas: /],
        [{ serviceName: 'echo', replicas: 1.5 }, /^replicas: /],
        [{ serviceName: 'echo' }, /^replicas: /],
        [{ serviceName: 'other', replicas: 1 }, /^serviceName: "other" does not match/],
        ['not json', /^body: expected a JSON object/],
      ];
      for (const [body, message] of cases) {
        const res = await scale('echo', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(await res.text(), message);
      }
      assert.equal((await scale('nope', { serviceName: 'nope', replicas: 1 })).status, 404);
    });
  });

  describe('/function/{name}', () => {
    it('streams the call to the replica with sub-path, query, body, X-Call-Id and X-Start-Time', async () => {
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      const res = await app.request('/function/echo/a/b%20c?x=1&y=2', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain', 'X-Call-Id': 'call-42' },
        body: 'payload',
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('X-Custom'), 'kept');
      assert.equal(res.headers.get('Connection'), null, 'hop-by-hop headers are not passed on');
      assert.equal(res.headers.get('X-Call-Id'), 'call-42');
      assert.match(res.headers.get('X-Start-Time') ?? '', /^\d{19}$/, 'Unix nanoseconds');
      const seen = (await res.json()) as { method: string; url: string; body: string; headers: Record<string, string> };
      assert.equal(seen.method, 'PUT');
      assert.equal(seen.url, '/a/b%20c?x=1&y=2');
      assert.equal(seen.body, 'payload');
      assert.equal(seen.headers['x-call-id'], 'call-42');
      assert.equal(seen.headers['x-start-time'], res.headers.get('X-Start-Time'));
      assert.equal(seen.headers['x-forwarded-host'], 'localhost');
    });

    it("refuses a body over the function's com.baton.max-request-bytes with 413 naming it; the replica sees nothing", async () => {
      backend = new FakeBackend([spec('echo', { maxRequestBytes: 1024 })]);
      app = make();
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      let reached = 0;
      upstream.on('request', () => reached++);
      for (const headers of [{ 'content-length': '2048' }, {}] as Record<string, string>[]) {
        const res = await app.request('/function/echo', { method: 'POST', headers, body: 'x'.repeat(2048) });
        assert.equal(res.status, 413);
        assert.match(
          await res.text(),
          /request body for echo is larger than 1024 bytes \(its stack.yml annotation com\.baton\.max-request-bytes\)/,
        );
      }
      const fits = await app.request('/function/echo', { method: 'POST', body: 'y'.repeat(1024) });
      assert.equal(((await fits.json()) as { body: string }).body.length, 1024);
      assert.equal(reached, 1, 'only the call within the limit reached the replica');
    });

    it('answers 413 over a real socket, by Content-Length or while reading chunks, and keeps the connection', async () => {
      backend = new FakeBackend([spec('echo', { maxRequestBytes: 1024 })]);
      app = make();
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const received = await exchangeOnOneConnection(
        app.fetch,
        async (write) => {
          // 2 MiB each, written whole before any answer is read, as the watchdog forwards: a declared length refused
          // before reading, then chunks refused while reading; the rest of each drained; then a call that fits.
          await write(`POST /function/echo HTTP/1.1\r\nHost: gateway\r\nContent-Length: ${32 * chunk.length}\r\n\r\n`);
          for (let i = 0; i < 32; i++) await write(chunk);
          await write('POST /function/echo HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n');
          for (let i = 0; i < 32; i++) await write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
          await write('0\r\n\r\nPOST /function/echo HTTP/1.1\r\nHost: gateway\r\nContent-Length: 4\r\n\r\nfits');
        },
        /HTTP\/1\.1 201[^]*"body":"fits"/,
      );
      assert.deepEqual(statusesOf(received), [413, 413, 201], 'every answer on one connection');
    });

    it('makes an X-Call-Id when the caller sends none, and sends the root path for /function/{name}', async () => {
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      const res = await app.request('/function/echo');
      const seen = (await res.json()) as { url: string; headers: Record<string, string> };
      assert.match(res.headers.get('X-Call-Id') ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(seen.headers['x-call-id'], res.headers.get('X-Call-Id'));
      assert.equal(seen.url, '/');
    });

    it('passes an answer without a body (204, e.g. a CORS preflight) through and releases it cleanly', async () => {
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      const res = await app.request('/function/echo/empty', { method: 'OPTIONS' });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('X-Custom'), 'kept');
      // An error raised while releasing the upstream body would be an uncaught exception, failing the test here.
      await new Promise((resolve) => setTimeout(resolve, 100));
    });

    it('passes the response through as it comes (streaming)', async () => {
      backend.target = { instance: 'echo-1', url: upstreamUrl };
      const started = Date.now();
      const res = await app.request('/function/echo/stream');
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), 'first\n');
      assert.ok(Date.now() - started < 250, 'the first chunk came before the upstream finished');
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        rest += new TextDecoder().decode(chunk.value);
      assert.equal(rest, 'second\n');
    });

    it('answers 404 for an unknown function, 503 with X-OpenFaaS-Internal when no replica is ready in time', async () => {
      const unknown = await app.request('/function/nope');
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /error finding function nope\.openfaas-fn/);
      const none = await app.request('/function/echo');
      assert.equal(none.status, 503);
      assert.equal(none.headers.get('X-OpenFaaS-Internal'), 'proxy');
      assert.equal(await none.text(), 'No endpoints available for: echo.');
      assert.deepEqual(backend.waits, [1234], 'waited the configured time for a starting replica');
    });

    it('answers 502 when the replica cannot be reached or exceeds max(exec_timeout, write_timeout) + margin', async () => {
      backend.target = { instance: 'echo-1', url: 'http://127.0.0.1:1' };
      const refused = await app.request('/function/echo');
      assert.equal(refused.status, 502);
      assert.equal(refused.headers.get('X-OpenFaaS-Internal'), 'proxy');

      backend.target = { instance: 'quick-1', url: upstreamUrl };
      const started = Date.now();
      const slow = await app.request('/function/quick/slow');
      assert.equal(slow.status, 502);
      assert.match(await slow.text(), /no answer within 0\.3 s/);
      assert.ok(Date.now() - started < 1_500, 'gave up at 200 + 100 ms, not when the upstream answered');
    });
  });

  describe('/system/logs', () => {
    const lines = async (res: Response) =>
      (await res.text())
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, string>);

    beforeEach(() => {
      backend.logs.append('echo', 'echo-a', 'one', new Date('2024-05-01T10:00:00Z'));
      backend.logs.append('echo', 'echo-b', 'two', new Date('2024-05-01T10:00:01Z'));
      backend.logs.append('echo', 'echo-a', 'three', new Date('2024-05-01T10:00:02Z'));
      backend.logs.append('quick', 'quick-a', 'elsewhere');
    });

    it('answers ndjson logs.Message lines, honouring tail, since and instance', async () => {
      const res = await app.request('/system/logs?name=echo&tail=2', { headers: authHeader });
      assert.equal(res.headers.get('Content-Type'), 'application/x-ndjson');
      assert.deepEqual(await lines(res), [
        {
          name: 'echo',
          namespace: 'openfaas-fn',
          instance: 'echo-b',
          timestamp: '2024-05-01T10:00:01.000Z',
          text: 'two',
        },
        {
          name: 'echo',
          namespace: 'openfaas-fn',
          instance: 'echo-a',
          timestamp: '2024-05-01T10:00:02.000Z',
          text: 'three',
        },
      ]);
      const since = await app.request('/system/logs?name=echo&since=2024-05-01T12:00:01%2B02:00', {
        headers: authHeader,
      });
      assert.deepEqual(
        (await lines(since)).map((l) => l.text),
        ['two', 'three'],
      );
      const instance = await app.request('/system/logs?name=echo&instance=echo-a', { headers: authHeader });
      assert.deepEqual(
        (await lines(instance)).map((l) => l.text),
        ['one', 'three'],
      );
    });

    it('keeps streaming new lines with follow=true until the client goes away', async () => {
      const res = await app.request('/system/logs?name=echo&tail=1&follow=true', { headers: authHeader });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      assert.match((await reader.read()).value!, /"text":"three"/);
      backend.logs.append('echo', 'echo-b', 'four');
      assert.match((await reader.read()).value!, /"text":"four"/);
      await reader.cancel();
      assert.doesNotThrow(
        () => backend.logs.append('echo', 'echo-b', 'five'),
        'the stream unsubscribed when cancelled',
      );
    });

    it('answers 422 naming a bad parameter, 404 for an unknown function', async () => {
      for (const [query, message] of [
        ['', /name is required/],
        ['name=echo&tail=many', /tail must be a whole number/],
        ['name=echo&since=yesterday', /since must be an RFC 3339 time/],
      ] as const) {
        const res = await app.request(`/system/logs?${query}`, { headers: authHeader });
        assert.equal(res.status, 422);
        assert.match(await res.text(), message);
      }
      assert.equal((await app.request('/system/logs?name=nope', { headers: authHeader })).status, 404);
    });
  });
});
