/**
 * The http-resource handler against real HTTP servers on loopback (in-process node:http): what reaches the
 * resource, what is stored, and how every refusal and failure is classified.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { StepInputError, StepUnavailableError, type ArtifactRef } from '#baton-step';
import { resourceConfigFromEnv } from './config.ts';
import { MAX_REDIRECTS } from './fetch-resource.ts';
import { createResourceHandler, type ResourceContext, type ResourceStore } from './resource-step.ts';
import { httpResourceInput, httpResourceOutput } from './schema.ts';

const TOKEN = 'tok-SECRET-1234';
const CSV = 'a,b,label\n1,2,x\n3,4,y\n';

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;
interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on a free loopback port, answering from a route table and recording every request. */
async function startServer(routes: Record<string, Route>) {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res, body);
      else res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const handle = {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(handle);
  return handle;
}
const servers: { close(): Promise<void> }[] = [];
const agents: Agent[] = [];
after(async () => {
  for (const server of servers) await server.close();
  for (const agent of agents) await agent.close();
});

const csv =
  (text = CSV): Route =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/csv' }).end(text);

/** An artifact store in memory that reads the source whole and checks it gives exactly `size` bytes, as the real one does. */
function memoryStore() {
  const objects = new Map<string, { bytes: Buffer; contentType?: string }>();
  const store: ResourceStore & { objects: typeof objects } = {
    objects,
    async putStream(key, source, size, options = {}): Promise<ArtifactRef> {
      const chunks: Buffer[] = [];
      for await (const chunk of source) chunks.push(Buffer.from(chunk));
      const bytes = Buffer.concat(chunks);
      if (bytes.length !== size)
        throw new Error(`putStream ${key}: got ${bytes.length} of the ${size} bytes announced`);
      objects.set(key, { bytes, contentType: options.contentType });
      return { uri: `s3://baton-test/${key}`, sha256: createHash('sha256').update(bytes).digest('hex'), size };
    },
  };
  return store;
}

function fakeContext(store = memoryStore()) {
  const lines: string[] = [];
  const ctx: ResourceContext & { lines: string[]; store: typeof store } = {
    secret: (name) => {
      if (name !== 'fetch-csv-token') throw new Error(`secret "${name}" is missing`);
      return TOKEN;
    },
    runKey: (name) => `runs/run-1/fetch-csv/${name}`,
    log: (line) => lines.push(line),
    artifacts: () => store,
    lines,
    store,
  };
  return ctx;
}

/** A handler configured like stack.yml's fetch-csv, against `baseUrl`; `env` adds or replaces settings. */
function handlerFor(baseUrl: string, env: Record<string, string> = {}) {
  const config = resourceConfigFromEnv({
    RESOURCE_BASE_URL: baseUrl,
    RESOURCE_AUTH_HEADER: 'Authorization',
    RESOURCE_AUTH_SCHEME: 'Bearer',
    RESOURCE_AUTH_SECRET: 'fetch-csv-token',
    ...env,
  });
  const agent = new Agent({
    connectTimeout: config.timeoutMs,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
  agents.push(agent);
  return createResourceHandler(config, agent);
}

/** Calls the handler with raw input parsed as the wrapper would. */
function call(handle: ReturnType<typeof handlerFor>, input: unknown, ctx = fakeContext()) {
  return handle(httpResourceInput.parse(input), ctx);
}

/** Asserts a rejection with `type` on input `path`, whose message matches. */
async function rejects(
  promise: Promise<unknown>,
  type: typeof StepInputError | typeof StepUnavailableError,
  message: RegExp,
  path?: string,
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      error instanceof type,
      `a ${type.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.match(error.message, message);
    if (path !== undefined)
      assert.deepEqual(
        (error as StepInputError).issues.map((issue) => issue.path),
        [path],
      );
    assert.ok(!error.message.includes(TOKEN), 'the secret is never in an error');
    return true;
  });
}

test("the body is streamed into the run's artifact; the output carries the reference, the status, type and URL without query", async () => {
  const server = await startServer({ '/data/wine.csv': csv() });
  const ctx = fakeContext();
  const result = await call(
    handlerFor(`${server.url}/data/`),
    { path: 'wine.csv', query: { version: '2' }, saveAs: 'source.csv' },
    ctx,
  );
  const output = httpResourceOutput.parse(result.output);
  assert.deepEqual(output, {
    status: 200,
    contentType: 'text/csv',
    url: `${server.url}/data/wine.csv`,
    artifact: {
      uri: 's3://baton-test/runs/run-1/fetch-csv/source.csv',
      sha256: createHash('sha256').update(CSV).digest('hex'),
      size: CSV.length,
    },
  });
  assert.equal(ctx.store.objects.get('runs/run-1/fetch-csv/source.csv')?.bytes.toString('utf8'), CSV);
  assert.equal(ctx.store.objects.get('runs/run-1/fetch-csv/source.csv')?.contentType, 'text/csv');
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.url, '/data/wine.csv?version=2');
  assert.equal(server.requests[0]!.method, 'GET');
  assert.deepEqual(result.metrics, { responseBytes: CSV.length, redirects: 0 });
});

test('the auth header carries the secret to the resource, and the secret is in no log line and not in the output', async () => {
  const server = await startServer({ '/x.csv': csv() });
  const ctx = fakeContext();
  const result = await call(handlerFor(`${server.url}/`), { path: 'x.csv' }, ctx);
  assert.equal(server.requests[0]!.headers.authorization, `Bearer ${TOKEN}`);
  assert.ok(ctx.lines.length > 0, 'the call is logged');
  assert.ok(
    ctx.lines.every((line) => !line.includes(TOKEN)),
    ctx.lines.join('\n'),
  );
  assert.ok(!JSON.stringify(result).includes(TOKEN));

  // Without RESOURCE_AUTH_*, no header is sent (a custom header without a scheme works too).
  await call(handlerFor(`${server.url}/`, { RESOURCE_AUTH_HEADER: 'X-Api-Key', RESOURCE_AUTH_SCHEME: '' }), {
    path: 'x.csv',
  });
  assert.equal(server.requests[1]!.headers['x-api-key'], TOKEN);
  assert.equal(server.requests[1]!.headers.authorization, undefined);
});

test("the auth header goes only to the base URL's origin: an allowed other host gets the call without it", async () => {
  const base = await startServer({ '/x.csv': csv() });
  const other = await startServer({ '/x.csv': csv() });
  const handle = handlerFor(`${base.url}/`, {
    RESOURCE_ALLOWED_HOSTS: `127.0.0.1:${base.port},127.0.0.1:${other.port}`,
  });
  assert.equal((await call(handle, { url: `${other.url}/x.csv` })).output.status, 200);
  assert.equal(other.requests[0]!.headers.authorization, undefined, 'no credential for another origin');
  await call(handle, { url: `${base.url}/x.csv` });
  assert.equal(
    base.requests[0]!.headers.authorization,
    `Bearer ${TOKEN}`,
    'the base origin gets it, by url as by path',
  );
});

test('a body without Content-Length (chunked) is stored whole', async () => {
  const server = await startServer({
    '/chunked.csv': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n');
      setTimeout(() => res.end('1,2\n'), 20);
    },
    '/empty': (_req, res) => res.writeHead(204).end(),
  });
  const ctx = fakeContext();
  const result = await call(handlerFor(`${server.url}/`), { path: 'chunked.csv' }, ctx);
  assert.equal(result.output.artifact.size, 8);
  assert.equal(ctx.store.objects.get('runs/run-1/fetch-csv/response')?.bytes.toString('utf8'), 'a,b\n1,2\n');
  const empty = await call(handlerFor(`${server.url}/`), { path: 'empty' }, ctx);
  assert.deepEqual(
    [empty.output.status, empty.output.artifact.size, empty.output.contentType],
    [204, 0, 'application/octet-stream'],
  );
});

test('the SSRF guard refuses a disallowed host (another port on loopback too): 422 naming the host, and nothing is requested', async () => {
  const allowed = await startServer({ '/x.csv': csv() });
  const other = await startServer({ '/x.csv': csv() });
  const handle = handlerFor(`${allowed.url}/`);
  await rejects(
    call(handle, { url: `${other.url}/x.csv` }),
    StepInputError,
    new RegExp(`host 127\\.0\\.0\\.1:${other.port} is not allowed.*RESOURCE_ALLOWED_HOSTS`),
    'url',
  );
  await rejects(
    call(handle, { url: 'http://169.254.169.254/latest/meta-data/' }),
    StepInputError,
    /host 169\.254\.169\.254 is not allowed/,
    'url',
  );
  await rejects(
    call(handle, { url: `ftp://127.0.0.1:${allowed.port}/x.csv` }),
    StepInputError,
    /must use http or https/,
    'url',
  );
  await rejects(call(handle, { path: '../x.csv' }), StepInputError, /"\.\." segments/, 'path');
  await rejects(call(handle, { path: `//127.0.0.1:${other.port}/x.csv` }), StepInputError, /scheme-relative/, 'path');
  assert.equal(other.requests.length, 0);
  assert.equal(allowed.requests.length, 0);
  // Listed, it is reachable.
  const widened = handlerFor(`${allowed.url}/`, {
    RESOURCE_ALLOWED_HOSTS: `127.0.0.1:${allowed.port},127.0.0.1:${other.port}`,
  });
  assert.equal((await call(widened, { url: `${other.url}/x.csv` })).output.status, 200);
  assert.equal(other.requests.length, 1);
});

test('a same-host redirect is followed (the auth header goes along); one to another host is refused, even an allowed one', async () => {
  const target = await startServer({ '/x.csv': csv() });
  const server = await startServer({
    '/moved.csv': (_req, res) => res.writeHead(301, { location: '/files/x.csv' }).end(),
    '/files/x.csv': csv(),
    '/elsewhere.csv': (_req, res) => res.writeHead(302, { location: `http://localhost:${target.port}/x.csv` }).end(),
    '/other-port.csv': (_req, res) => res.writeHead(307, { location: `${target.url}/x.csv` }).end(),
    '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
    '/nowhere': (_req, res) => res.writeHead(302).end(),
  });
  const ctx = fakeContext();
  // localhost:<target> is allowed for `url`, but never as a redirect target.
  const handle = handlerFor(`${server.url}/`, {
    RESOURCE_ALLOWED_HOSTS: `127.0.0.1:${server.port},localhost:${target.port}`,
  });
  const followed = await call(handle, { path: 'moved.csv' }, ctx);
  assert.equal(followed.output.url, `${server.url}/files/x.csv`);
  assert.equal(followed.metrics?.redirects, 1);
  assert.deepEqual(
    server.requests.map((request) => [request.url, request.headers.authorization]),
    [
      ['/moved.csv', `Bearer ${TOKEN}`],
      ['/files/x.csv', `Bearer ${TOKEN}`],
    ],
  );
  assert.ok(
    ctx.lines.some((line) => line.includes('redirected (301)')),
    ctx.lines.join('\n'),
  );

  await rejects(
    call(handle, { path: 'elsewhere.csv' }),
    StepInputError,
    new RegExp(`redirected to another host, localhost:${target.port}.*RESOURCE_ALLOWED_HOSTS`),
    'path',
  );
  await rejects(
    call(handle, { path: 'other-port.csv' }),
    StepInputError,
    new RegExp(`another host, 127\\.0\\.0\\.1:${target.port}`),
    'path',
  );
  assert.equal(target.requests.length, 0, 'the redirect targets were never requested');

  const before = server.requests.length;
  await rejects(
    call(handle, { path: 'loop' }),
    StepInputError,
    new RegExp(`redirected more than ${MAX_REDIRECTS} times`),
    'path',
  );
  assert.equal(server.requests.length - before, MAX_REDIRECTS + 1);
  await rejects(call(handle, { path: 'nowhere' }), StepInputError, /302 without a Location/, 'path');
});

test('POST sends the JSON body (kept on 307, dropped on 303); a body with GET is refused', async () => {
  const server = await startServer({
    '/query': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"rows":2}'),
    '/keep': (_req, res) => res.writeHead(307, { location: '/query' }).end(),
    '/see-other': (_req, res) => res.writeHead(303, { location: '/query' }).end(),
  });
  const handle = handlerFor(`${server.url}/`, { RESOURCE_METHOD: 'POST' });
  await call(handle, { path: 'keep', body: { sql: 'select 1' } });
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.url, r.headers['content-type'], r.body]),
    [
      ['POST', '/keep', 'application/json', '{"sql":"select 1"}'],
      ['POST', '/query', 'application/json', '{"sql":"select 1"}'],
    ],
  );
  await call(handle, { path: 'see-other', body: { sql: 'select 1' } });
  assert.deepEqual(
    server.requests.slice(2).map((r) => [r.method, r.body]),
    [
      ['POST', '{"sql":"select 1"}'],
      ['GET', ''],
    ],
  );
  await rejects(
    call(handlerFor(`${server.url}/`), { path: 'query', body: { sql: 'x' } }),
    StepInputError,
    /RESOURCE_METHOD would have to be POST/,
    'body',
  );
});

test('upstream 4xx → StepInputError naming the status; 5xx and 429 → StepUnavailableError (retried)', async () => {
  const server = await startServer({
    '/forbidden': (_req, res) => res.writeHead(403).end(`you sent ${TOKEN}`),
    '/broken': (_req, res) => res.writeHead(500).end('oops'),
    '/busy': (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end(),
  });
  const handle = handlerFor(`${server.url}/`);
  await rejects(call(handle, { path: 'missing.csv' }), StepInputError, /missing\.csv answered 404/, 'path');
  await rejects(
    call(handle, { path: 'forbidden' }),
    StepInputError,
    /answered 403 \(check the secret named by RESOURCE_AUTH_SECRET\)/,
    'path',
  );
  await rejects(call(handle, { path: 'broken' }), StepUnavailableError, /broken answered 500/);
  await assert.rejects(call(handle, { path: 'busy' }), (error: StepUnavailableError) => error.retryAfterSeconds === 7);
});

test('a resource that does not answer within RESOURCE_TIMEOUT, or stalls while sending, or is down → StepUnavailableError', async () => {
  const server = await startServer({
    '/slow': (_req, res) => setTimeout(() => res.writeHead(200).end('late'), 3000).unref(),
    '/stall': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100' });
      res.write('a,b\n'); // and nothing more
    },
  });
  const handle = handlerFor(`${server.url}/`, { RESOURCE_TIMEOUT: '300ms' });
  const started = Date.now();
  await rejects(
    call(handle, { path: 'slow' }),
    StepUnavailableError,
    /did not answer within RESOURCE_TIMEOUT \(UND_ERR_HEADERS_TIMEOUT\)/,
  );
  assert.ok(Date.now() - started < 2500, 'gave up after the timeout, not after the answer');
  const ctx = fakeContext();
  await rejects(
    call(handle, { path: 'stall' }, ctx),
    StepUnavailableError,
    /did not answer within RESOURCE_TIMEOUT \(UND_ERR_BODY_TIMEOUT\)/,
  );
  assert.equal(ctx.store.objects.size, 0, 'nothing stored');

  const down = await startServer({});
  await down.close();
  await rejects(
    call(handlerFor(`${down.url}/`), { path: 'x.csv' }),
    StepUnavailableError,
    /could not be reached \(ECONNREFUSED\)/,
  );
});

test('a body over RESOURCE_MAX_BYTES is refused (422), whether announced by Content-Length or not; nothing is stored', async () => {
  const big = 'x'.repeat(2048);
  const server = await startServer({
    '/announced': (_req, res) => res.writeHead(200, { 'content-length': String(big.length) }).end(big),
    '/chunked': (_req, res) => {
      res.writeHead(200);
      res.write(big.slice(0, 1000));
      setTimeout(() => res.end(big.slice(1000)), 20);
    },
    '/fits': (_req, res) => res.writeHead(200).end(big.slice(0, 1024)),
  });
  const ctx = fakeContext();
  const handle = handlerFor(`${server.url}/`, { RESOURCE_MAX_BYTES: '1KiB' });
  await rejects(
    call(handle, { path: 'announced' }, ctx),
    StepInputError,
    /sent 2048 bytes, more than RESOURCE_MAX_BYTES \(1024 bytes\)/,
    'path',
  );
  await rejects(
    call(handle, { path: 'chunked' }, ctx),
    StepInputError,
    /more than RESOURCE_MAX_BYTES \(1024 bytes\)/,
    'path',
  );
  assert.equal(ctx.store.objects.size, 0);
  assert.equal((await call(handle, { path: 'fits' }, ctx)).output.artifact.size, 1024);
});

test('input: path or url, not both; saveAs is a plain relative name', () => {
  const issues = (input: unknown) => {
    const parsed = httpResourceInput.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
  };
  assert.deepEqual(issues({ path: 'a.csv', url: 'http://x/a.csv' }), ['url']);
  assert.deepEqual(issues({ saveAs: '../escape' }), ['saveAs']);
  assert.deepEqual(issues({ saveAs: '/abs' }), ['saveAs']);
  assert.deepEqual(issues({ saveAs: 'a/./b' }), ['saveAs']);
  assert.deepEqual(issues({ headers: { host: 'x' } }), ['']);
  assert.deepEqual(issues({ path: 'a.csv', saveAs: 'sources/a.csv' }), []);
  assert.equal(httpResourceInput.parse({}).saveAs, 'response');
});
