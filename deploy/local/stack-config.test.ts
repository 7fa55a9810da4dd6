import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { assertPortsFree, loadStackConfig } from './stack-config.ts';

test('a port already taken is named with the setting that changes it', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await assert.rejects(
      assertPortsFree({ gateway: 0, gatewayMetrics: 0, temporal: port, temporalUi: 0, minio: 0, minioConsole: 0 }),
      new RegExp(`port ${port} is already in use: stop what listens there or set BATON_TEMPORAL_PORT to a free port`),
    );
  } finally {
    server.close();
  }
});

test('settings come from the environment, and a wrong one is named', () => {
  const config = loadStackConfig({ BATON_GATEWAY_PORT: '18080', BATON_DATA_DIR: '/tmp/baton-data' });
  assert.equal(config.ports.gateway, 18080);
  assert.equal(config.ports.temporal, 7233);
  assert.equal(config.ports.gatewayMetrics, 8082, "the OpenFaaS gateway's metrics port");
  assert.equal(config.dataDir, '/tmp/baton-data');
  assert.throws(() => loadStackConfig({ BATON_MINIO_PORT: 'ninety' }), /BATON_MINIO_PORT/);
  assert.throws(() => loadStackConfig({ BATON_GATEWAY_METRICS_PORT: '70000' }), /BATON_GATEWAY_METRICS_PORT/);
});

test('BATON_FUNCTION_ENV_<KEY> gives every function <KEY>', () => {
  const config = loadStackConfig({
    BATON_FUNCTION_ENV_RESOURCE_BASE_URL: 'http://data.lan/csv/',
    BATON_FUNCTION_ENV_PGHOST: 'db.lan',
    BATON_FUNCTION_ENV_: 'ignored',
    PGHOST: 'not-this',
  });
  assert.deepEqual(config.functionEnv, { RESOURCE_BASE_URL: 'http://data.lan/csv/', PGHOST: 'db.lan' });
});
