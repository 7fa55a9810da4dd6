import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parsePrometheusText, samplesOf, valueOf } from '../../../test/support/prometheus-text.ts';
import { createGatewayApp } from './app.ts';
import { GatewayMetrics, metricsApp } from './metrics.ts';
import { FakeBackend, standInReplica, testSpec as spec } from './testing.ts';

const auth = { user: 'admin', password: 's3cret-pass' };

describe('gateway metrics', () => {
  let upstream: Awaited<ReturnType<typeof standInReplica>>;
  let upstreamUrl: string;
  let backend: FakeBackend;
  let metrics: GatewayMetrics;
  let app: ReturnType<typeof createGatewayApp>;
  const scrape = async () => {
    const res = await metricsApp(metrics).request('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePrometheusText(await res.text());
  };

  before(async () => {
    // `/fail` answers 500; anything else 200 after streaming two chunks 200 ms apart.
    upstream = await standInReplica((req, res) => {
      if (req.url === '/fail') return void res.writeHead(500).end('no');
      res.writeHead(200);
      res.write('a');
      setTimeout(() => res.end('b'), 200);
    });
    upstreamUrl = upstream.url;
  });
  after(() => upstream.close());
  beforeEach(() => {
    backend = new FakeBackend([spec('echo'), spec('idle')]);
    metrics = new GatewayMetrics(backend);
    app = createGatewayApp({ backend, basicAuth: auth, metrics, replicaWaitMs: 10, upstreamTimeoutMarginMs: 100 });
  });

  it('counts calls per function and code with the OpenFaaS names, labels qualified with the namespace', async () => {
    backend.target = { instance: 'echo-1', url: upstreamUrl };
    for (const path of ['/function/echo', '/function/echo.openfaas-fn/x', '/function/echo/fail'])
      await (await app.request(path, { method: 'POST', body: '{}' })).text();
    const samples = await scrape();
    assert.equal(
      valueOf(samples, 'gateway_function_invocation_total', { function_name: 'echo.openfaas-fn', code: '200' }),
      2,
    );
    assert.equal(
      valueOf(samples, 'gateway_function_invocation_total', { function_name: 'echo.openfaas-fn', code: '500' }),
      1,
    );
    assert.equal(valueOf(samples, 'gateway_function_invocation_started', { function_name: 'echo.openfaas-fn' }), 3);
    assert.equal(
      valueOf(samples, 'gateway_functions_seconds_count', { function_name: 'echo.openfaas-fn', code: '200' }),
      2,
    );
    // Timed until the answer's last byte left, as the real gateway's notifier does after copying the body.
    assert.ok(
      valueOf(samples, 'gateway_functions_seconds_sum', { function_name: 'echo.openfaas-fn', code: '200' })! >= 0.35,
    );
    // client_golang's default buckets, as the real histogram has.
    assert.deepEqual(
      samplesOf(samples, 'gateway_functions_seconds_bucket', { function_name: 'echo.openfaas-fn', code: '500' }).map(
        (s) => s.labels.le,
      ),
      ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'],
    );
  });

  it("counts the gateway's own errors under their code, and never unknown functions or namespaces", async () => {
    backend.target = undefined; // no replica ready: 503
    const status = async (path: string) => {
      const res = await app.request(path);
      await res.text(); // as a server sends it: the call is complete once its answer is out
      return res.status;
    };
    assert.equal(await status('/function/echo'), 503);
    assert.equal(await status('/function/nope'), 404);
    assert.equal(await status('/function/echo.other-ns'), 404);
    const samples = await scrape();
    assert.equal(
      valueOf(samples, 'gateway_function_invocation_total', { function_name: 'echo.openfaas-fn', code: '503' }),
      1,
    );
    assert.deepEqual(
      samplesOf(samples, 'gateway_function_invocation_total').map((s) => s.labels.function_name),
      ['echo.openfaas-fn'],
    );
  });

  it('reports the desired replicas of every function, read at each scrape', async () => {
    backend.setReplicas('echo', 3);
    let samples = await scrape();
    assert.equal(valueOf(samples, 'gateway_service_count', { function_name: 'echo.openfaas-fn' }), 3);
    assert.equal(valueOf(samples, 'gateway_service_count', { function_name: 'idle.openfaas-fn' }), 1);
    await backend.removeFunction('idle');
    samples = await scrape();
    assert.equal(valueOf(samples, 'gateway_service_count', { function_name: 'idle.openfaas-fn' }), undefined);
  });

  it('serves /metrics on its own listener only, without credentials, while /system/* keeps basic auth', async () => {
    assert.equal((await app.request('/metrics')).status, 404);
    assert.equal((await app.request('/system/functions')).status, 401);
    assert.equal((await metricsApp(metrics).request('/healthz')).status, 200);
    assert.ok(valueOf(await scrape(), 'process_cpu_user_seconds_total') !== undefined);
  });
});
