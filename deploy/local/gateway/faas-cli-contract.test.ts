/**
 * Contract tests: the exact requests faas-cli (0.18.x; its proxy/ package and the go-sdk it vendors) sends for every
 * command that needs no container engine, replayed in process against the gateway app, and the answers faas-cli
 * parses (status codes, JSON field names). Each request names the faas-cli source file it comes from. No faas-cli
 * binary is needed.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createGatewayApp } from './app.ts';
import { AsyncQueue } from './async-queue.ts';
import { FakeBackend, testSpec } from './testing.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const credentials = { user: 'admin', password: 'contract-pass' };
/** proxy/auth.go BasicAuth.Set: `req.SetBasicAuth(user, password)` once `faas-cli login` stored them. */
const AUTH = basic(credentials.user, credentials.password);
/** proxy/client.go NewClient: `faas-cli/<version>`; commands/invoke.go adds `(openfaas; <os>; <arch>)`. */
const CLI_AGENT = 'faas-cli/0.18.1';
const INVOKE_AGENT = 'faas-cli/0.18.1 (openfaas; linux; amd64)';
/** proxy/client.go newRequest: `Content-Type: application/json` whenever a body is sent. */
const JSON_BODY = { 'Content-Type': 'application/json' };

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server recording every request and answering 200 with a JSON echo of it. */
async function recorder(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        const seen = {
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        received.push(seen);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(seen));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('faas-cli against the local gateway', () => {
  let replica: Awaited<ReturnType<typeof recorder>>;
  let callbacks: Awaited<ReturnType<typeof recorder>>;
  let backend: FakeBackend;
  let queue: AsyncQueue;
  let app: ReturnType<typeof createGatewayApp>;
  const overrides = { S3_ENDPOINT: 'http://127.0.0.1:19000', TEMPORAL_ADDRESS: '127.0.0.1:17233' };

  before(async () => {
    replica = await recorder();
    callbacks = await recorder();
  });
  after(async () => {
    await queue?.stop();
    await close(replica.server);
    await close(callbacks.server);
  });
  beforeEach(async () => {
    await queue?.stop();
    replica.received.length = 0;
    callbacks.received.length = 0;
    const echo = testSpec('echo', {
      environment: { GREETING: 'from-stack', S3_ENDPOINT: 'http://minio.production:9000' },
      secrets: ['fixture-token'],
      annotations: { topic: 'testing' },
    });
    backend = new FakeBackend([echo], { availableReplicas: 1, overrides });
    backend.target = { instance: 'echo-1', url: replica.url };
    queue = new AsyncQueue({ backend, callbackOrigins: [new URL(callbacks.url).origin] });
    app = createGatewayApp({
      backend,
      basicAuth: credentials,
      replicaWaitMs: 100,
      asyncQueue: queue,
      version: { release: '0.1.0', sha: 'abc1234' },
    });
  });

  it('login: GET /system/functions with basic auth → 200; a wrong password → 401 (commands/login.go validateLogin)', async () => {
    assert.equal((await app.request('/system/functions', { headers: { Authorization: AUTH } })).status, 200);
    assert.equal(
      (await app.request('/system/functions', { headers: { Authorization: basic('admin', 'wrong') } })).status,
      401,
    );
  });

  it('list [-n openfaas-fn]: GET /system/functions[?namespace=] → a FunctionStatus array (proxy/list.go ListFunctions)', async () => {
    for (const path of ['/system/functions', '/system/functions?namespace=openfaas-fn']) {
      const res = await app.request(path, { headers: { Authorization: AUTH, 'User-Agent': CLI_AGENT } });
      assert.equal(res.status, 200, path);
      const [fn] = (await res.json()) as Record<string, unknown>[];
      // commands/list.go prints name, invocationCount, replicas (and image, with --verbose).
      assert.equal(fn!.name, 'echo');
      assert.equal(fn!.image, 'baton/echo:test');
      assert.equal(typeof fn!.invocationCount, 'number');
      assert.equal(fn!.replicas, 1);
      assert.equal(fn!.namespace, 'openfaas-fn');
    }
    const other = await app.request('/system/functions?namespace=dev', { headers: { Authorization: AUTH } });
    assert.equal(other.status, 404);
    assert.match(await other.text(), /namespace "dev" not found/);
  });

  it('describe: GET /system/function/{name}?usage=1[&namespace=] shows the environment replicas run with, secrets by name (proxy/describe.go)', async () => {
    for (const query of ['usage=1', 'namespace=openfaas-fn&usage=1']) {
      const res = await app.request(`/system/function/echo?${query}`, {
        headers: { Authorization: AUTH, 'User-Agent': CLI_AGENT },
      });
      assert.equal(res.status, 200, query);
      const fn = (await res.json()) as Record<string, unknown>;
      assert.equal(fn.name, 'echo');
      assert.equal(fn.availableReplicas, 1, 'describe prints Ready when availableReplicas > 0');
      assert.equal(fn.envProcess, 'node echo.mjs');
      assert.deepEqual(fn.envVars, {
        GREETING: 'from-stack',
        S3_ENDPOINT: overrides.S3_ENDPOINT,
        TEMPORAL_ADDRESS: overrides.TEMPORAL_ADDRESS,
        BATON_FUNCTION: 'echo',
      });
      assert.deepEqual(fn.secrets, ['fixture-token']);
      assert.deepEqual(fn.annotations, { topic: 'testing' });
    }
    // proxy/describe.go: 404 → "no such function".
    assert.equal(
      (await app.request('/system/function/nope?usage=1', { headers: { Authorization: AUTH } })).status,
      404,
    );
  });

  it('invoke [-m, --query, --header]: /function/{name}.openfaas-fn with the sub-path, query and headers passed on (go-sdk functions.go InvokeFunction)', async () => {
    // commands/invoke.go: Content-Type from --content-type (default text/plain), -H "X-Trace: 1", --query a=1 --query b=2.
    const res = await app.request('/function/echo.openfaas-fn?a=1&b=2', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'User-Agent': INVOKE_AGENT, 'X-Trace': '1' },
      body: 'hello',
    });
    assert.equal(res.status, 200);
    const [seen] = replica.received;
    assert.equal(seen!.url, '/?a=1&b=2');
    assert.equal(seen!.body, 'hello');
    assert.equal(seen!.headers['x-trace'], '1');
    assert.equal(seen!.headers['content-type'], 'text/plain');
    assert.ok(seen!.headers['x-call-id'], 'the gateway adds X-Call-Id');

    const get = await app.request('/function/echo.openfaas-fn', {
      method: 'GET',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(get.status, 200);
    assert.equal(replica.received[1]!.method, 'GET');

    // faas-cli 0.16 and older (proxy/invoke.go) call the name without a namespace: still routed.
    assert.equal((await app.request('/function/echo', { method: 'POST', body: 'x' })).status, 200);
    const dev = await app.request('/function/echo.dev', { method: 'POST', body: 'x' });
    assert.equal(dev.status, 404);
    assert.match(await dev.text(), /namespace "dev" not found/);
    assert.equal(replica.received.length, 3, 'nothing reached the replica for the unknown namespace');
  });

  it('invoke --async [-H "X-Callback-Url: …"]: POST /async-function/{name}.openfaas-fn → 202 + X-Call-Id; the answer goes to the callback', async () => {
    const res = await app.request('/async-function/echo.openfaas-fn/sub?q=1', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'User-Agent': INVOKE_AGENT, 'X-Callback-Url': `${callbacks.url}/done` },
      body: 'later',
    });
    assert.equal(res.status, 202, 'commands/invoke.go prints "Function submitted asynchronously." on 202');
    const callId = res.headers.get('X-Call-Id');
    assert.ok(callId);
    for (let i = 0; i < 100 && callbacks.received.length === 0; i++) await sleep(20);
    assert.equal(replica.received[0]!.url, '/sub?q=1');
    assert.equal(replica.received[0]!.body, 'later');
    const [callback] = callbacks.received;
    assert.equal(callback!.url, '/done');
    assert.equal(callback!.headers['x-call-id'], callId);
    assert.equal(callback!.headers['x-function-status'], '200');

    const fireAndForget = await app.request('/async-function/echo.openfaas-fn', { method: 'POST', body: 'x' });
    assert.equal(fireAndForget.status, 202);
    assert.equal((await app.request('/async-function/echo.dev', { method: 'POST', body: 'x' })).status, 404);
  });

  it('logs [--since, --lines, --tail=false]: GET /system/logs?follow=&name=&namespace=&since=&tail= → ndjson logs.Message (proxy/logs.go)', async () => {
    backend.logs.append('echo', 'echo-1', 'old line');
    const since = new Date(Date.now() - 1_000);
    backend.logs.append('echo', 'echo-1', 'first');
    backend.logs.append('echo', 'echo-2', 'second');
    // reqAsQueryValues: url.Values.Encode sorts the keys; --since 1s gives an RFC 3339 time without fractions.
    const sinceText = since.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const query = `follow=false&name=echo&namespace=openfaas-fn&since=${encodeURIComponent(sinceText)}&tail=1`;
    const res = await app.request(`/system/logs?${query}`, {
      headers: { Authorization: AUTH, 'User-Agent': CLI_AGENT },
    });
    assert.equal(res.status, 200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.name, l.namespace, l.instance, l.text]),
      [['echo', 'openfaas-fn', 'echo-2', 'second']],
    );
    assert.equal(typeof lines[0]!.timestamp, 'string');
    // --lines defaults to -1, sent as tail=-1: every line.
    const all = await app.request('/system/logs?follow=false&name=echo&namespace=openfaas-fn&tail=-1', {
      headers: { Authorization: AUTH },
    });
    assert.equal((await all.text()).trim().split('\n').length, 3);
  });

  it('version -g: GET /system/info → GatewayInfo {provider: {provider, orchestration, version}, version, arch} (proxy/version.go)', async () => {
    const res = await app.request('/system/info', { headers: { Authorization: AUTH, 'User-Agent': CLI_AGENT } });
    assert.equal(res.status, 200);
    const info = (await res.json()) as {
      provider: { provider: string; orchestration: string; version: { release: string; sha: string } };
      version: { release: string; sha: string };
      arch: string;
    };
    assert.equal(info.provider.provider, 'baton-local');
    assert.equal(info.provider.orchestration, 'local-processes');
    assert.deepEqual(info.provider.version, { sha: 'abc1234', release: '0.1.0' });
    assert.deepEqual(info.version, { sha: 'abc1234', release: '0.1.0' });
    assert.match(info.arch, /^(amd64|arm64|386|arm|\w+)$/);
    assert.equal((await app.request('/system/info')).status, 401, 'behind basic auth, as the gateway decorates it');
  });

  it('namespaces (namespace list): GET /system/namespaces → ["openfaas-fn"] (go-sdk client.go GetNamespaces)', async () => {
    const res = await app.request('/system/namespaces', { headers: { Authorization: AUTH } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), ['openfaas-fn']);
    const one = await app.request('/system/namespace/openfaas-fn', { headers: { Authorization: AUTH } });
    assert.deepEqual(await one.json(), { name: 'openfaas-fn' });
    assert.equal((await app.request('/system/namespace/dev', { headers: { Authorization: AUTH } })).status, 404);
  });

  /** The body proxy/deploy.go marshals from stack.yml (types.FunctionDeployment; Go leaves out empty omitempty fields). */
  const deployment = (env: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    service: 'echo',
    image: 'baton/echo:dev',
    namespace: 'openfaas-fn',
    envProcess: 'node echo-server.mjs',
    envVars: env,
    secrets: ['fixture-token'],
    labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '3' },
    annotations: { topic: 'testing' },
    ...extra,
  });
  const system = (method: string, body: unknown) =>
    app.request('/system/functions', {
      method,
      headers: { Authorization: AUTH, 'User-Agent': CLI_AGENT, ...JSON_BODY },
      body: JSON.stringify(body),
    });
  const envOf = async () =>
    (
      (await (await app.request('/system/function/echo?usage=1', { headers: { Authorization: AUTH } })).json()) as {
        envVars: Record<string, string>;
      }
    ).envVars;

  it('deploy -f stack.yml --filter echo: PUT /system/functions (update) → 202, describe shows the new environment (proxy/deploy.go)', async () => {
    const res = await system('PUT', deployment({ GREETING: 'changed', exec_timeout: '5s' }));
    assert.equal(res.status, 202, 'proxy/deploy.go accepts 200, 201 and 202');
    assert.equal(backend.deployments[0]!.mode, 'update');
    const env = await envOf();
    assert.equal(env.GREETING, 'changed');
    assert.equal(env.S3_ENDPOINT, overrides.S3_ENDPOINT, 'the local override still wins');
    // Go marshals a pointer to a nil map as null (labels/annotations when stack.yml has none).
    assert.equal((await system('PUT', deployment({}, { labels: null, annotations: null }))).status, 202);
  });

  it('deploy: PUT of a function the stack does not run → 404, then POST → 400 saying why (proxy/deploy.go retries with POST on 404)', async () => {
    const update = await system('PUT', deployment({}, { service: 'brand-new' }));
    assert.equal(update.status, 404);
    const create = await system('POST', deployment({}, { service: 'brand-new' }));
    assert.equal(create.status, 400);
    assert.match(await create.text(), /function brand-new: cannot create/);
    const bad = await system('PUT', { image: 'x' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /^service: /);
    const label = await system('PUT', deployment({}, { labels: { 'com.openfaas.scale.min': 'two' } }));
    assert.equal(label.status, 400, 'a bad label is refused naming it');
    const otherNamespace = await system('PUT', deployment({}, { namespace: 'dev' }));
    assert.equal(otherNamespace.status, 404);
    assert.match(await otherNamespace.text(), /namespace "dev" not found/);
  });

  it('remove echo: DELETE /system/functions {functionName, namespace} → 202; then it is gone until deployed again (proxy/delete.go)', async () => {
    const res = await system('DELETE', { functionName: 'echo', namespace: 'openfaas-fn' });
    assert.equal(res.status, 202);
    assert.equal(
      (await app.request('/system/function/echo?usage=1', { headers: { Authorization: AUTH } })).status,
      404,
    );
    assert.equal((await app.request('/function/echo.openfaas-fn', { method: 'POST', body: 'x' })).status, 404);
    // proxy/delete.go: 404 → "No existing function to remove".
    assert.equal((await system('DELETE', { functionName: 'echo' })).status, 404);
    // deploy after remove: PUT → 404, then POST creates it again (proxy/deploy.go DeployFunction).
    assert.equal((await system('PUT', deployment({ GREETING: 'back' }))).status, 404);
    assert.equal((await system('POST', deployment({ GREETING: 'back' }))).status, 202);
    assert.equal((await envOf()).GREETING, 'back');
    assert.equal((await system('DELETE', 'not json')).status, 400);
  });
});
