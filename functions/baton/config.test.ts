import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOrchestratorConfig } from './config.ts';

const base = { TEMPORAL_ADDRESS: '127.0.0.1:7233', BATON_GATEWAY_URL: 'http://127.0.0.1:8080/' };

test('defaults fill what is not set, and links derive from the gateway URL', () => {
  const config = loadOrchestratorConfig(base);
  assert.equal(config.namespace, 'default');
  assert.equal(config.taskQueue, 'baton-pipelines');
  assert.equal(config.gatewayUrl, 'http://127.0.0.1:8080');
  assert.equal(config.publicUrl, 'http://127.0.0.1:8080/function/baton');
  assert.equal(config.temporalUiUrl, undefined);
  assert.equal(config.runWorker, true);
  assert.equal(config.maxConcurrentActivities, 100);
});

test('every wrong or missing key is named with what it should be', () => {
  assert.throws(
    () => loadOrchestratorConfig({}),
    (error: Error) => /TEMPORAL_ADDRESS/.test(error.message) && /BATON_GATEWAY_URL/.test(error.message),
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, TEMPORAL_ADDRESS: 'localhost' }),
    /TEMPORAL_ADDRESS: must be host:port/,
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_MAX_CONCURRENT_ACTIVITIES: '0' }),
    /BATON_MAX_CONCURRENT_ACTIVITIES/,
  );
});

test('scaling knobs: off by default, seconds become ms, wrong values are named', () => {
  const config = loadOrchestratorConfig(base);
  assert.deepEqual(config.scaler, {
    enabled: false,
    functionName: 'baton',
    intervalMs: 15_000,
    targetPerReplica: 20,
    coolDownMs: 120_000,
    maxStepUp: 0,
    scaleStepFunctions: true,
  });
  assert.equal(config.shutdownGraceMs, 8_000);
  assert.equal(config.systemTaskQueue, 'baton-system');
  const tuned = loadOrchestratorConfig({
    ...base,
    BATON_SCALER_ENABLED: 'true',
    BATON_SCALER_INTERVAL_SECONDS: '1',
    BATON_SCALER_TARGET: '4',
    BATON_SCALER_COOLDOWN_SECONDS: '8',
    BATON_SCALER_MAX_STEP: '2',
    BATON_SCALER_STEP_FUNCTIONS: 'false',
    BATON_SHUTDOWN_GRACE_SECONDS: '3',
  });
  assert.deepEqual(tuned.scaler, {
    enabled: true,
    functionName: 'baton',
    intervalMs: 1_000,
    targetPerReplica: 4,
    coolDownMs: 8_000,
    maxStepUp: 2,
    scaleStepFunctions: false,
  });
  assert.equal(tuned.shutdownGraceMs, 3_000);
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_SCALER_TARGET: '0' }),
    /BATON_SCALER_TARGET: must be above 0/,
  );
  assert.throws(() => loadOrchestratorConfig({ ...base, BATON_SCALER_ENABLED: 'yes' }), /BATON_SCALER_ENABLED/);
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_SCALER_INTERVAL_SECONDS: '0.1' }),
    /BATON_SCALER_INTERVAL_SECONDS/,
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_SCALER_FUNCTION: 'Not A Name' }),
    /BATON_SCALER_FUNCTION: must be a function name/,
  );
});

test("request limits: 1 MiB bodies, 4 MiB callbacks, the public URL's origin; wrong values are named", () => {
  assert.deepEqual(loadOrchestratorConfig(base).limits, {
    maxBodyBytes: 1_048_576,
    maxCallbackBytes: 4_194_304,
    allowedOrigins: ['http://127.0.0.1:8080'],
  });
  assert.deepEqual(
    loadOrchestratorConfig({ ...base, BATON_CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233' }).limits.allowedOrigins,
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8233'],
    'the UI calls the codec server',
  );
  const tuned = loadOrchestratorConfig({
    ...base,
    BATON_PUBLIC_URL: 'https://baton.example.com/api',
    BATON_MAX_BODY_BYTES: '65536',
    BATON_ALLOWED_ORIGINS: 'https://ui.example.com, http://localhost:8233',
  });
  assert.deepEqual(tuned.limits.allowedOrigins, [
    'https://baton.example.com',
    'https://ui.example.com',
    'http://localhost:8233',
  ]);
  assert.equal(tuned.limits.maxBodyBytes, 65_536);
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_MAX_BODY_BYTES: '1e12' }),
    /BATON_MAX_BODY_BYTES: must be at most 64 MiB/,
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_MAX_CALLBACK_BYTES: 'lots' }),
    /BATON_MAX_CALLBACK_BYTES/,
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_ALLOWED_ORIGINS: 'https://ui.example.com/path' }),
    /BATON_ALLOWED_ORIGINS: "https:\/\/ui\.example\.com\/path" is not an origin/,
  );
});

test('workflows come from the sources by default, from a prebuilt bundle in images, never from both', () => {
  assert.equal(loadOrchestratorConfig(base).workflowBundleDir, undefined);
  assert.equal(loadOrchestratorConfig(base).workflowsDir, undefined);
  assert.equal(
    loadOrchestratorConfig({ ...base, BATON_WORKFLOW_BUNDLE_DIR: '/home/app/workflows' }).workflowBundleDir,
    '/home/app/workflows',
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_WORKFLOW_BUNDLE_DIR: '/a', BATON_WORKFLOWS_DIR: '/b' }),
    /BATON_WORKFLOWS_DIR and BATON_WORKFLOW_BUNDLE_DIR exclude each other/,
  );
});

test('codec CORS origins: none by default, a comma-separated list, anything but an origin named', () => {
  assert.deepEqual(loadOrchestratorConfig(base).codecCorsOrigins, []);
  assert.deepEqual(
    loadOrchestratorConfig({ ...base, BATON_CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233/, https://cloud.temporal.io' })
      .codecCorsOrigins,
    ['http://127.0.0.1:8233', 'https://cloud.temporal.io'],
  );
  assert.throws(
    () => loadOrchestratorConfig({ ...base, BATON_CODEC_CORS_ORIGINS: 'http://ui:8233/namespaces' }),
    /BATON_CODEC_CORS_ORIGINS: "http:\/\/ui:8233\/namespaces" is not an origin/,
  );
});

test("the Temporal worker's metrics port: a free one by default, a fixed one, or off; anything else is named", () => {
  assert.equal(loadOrchestratorConfig(base).temporalMetricsPort, 0);
  assert.equal(loadOrchestratorConfig({ ...base, BATON_TEMPORAL_METRICS_PORT: '9464' }).temporalMetricsPort, 9464);
  assert.equal(loadOrchestratorConfig({ ...base, BATON_TEMPORAL_METRICS_PORT: 'off' }).temporalMetricsPort, undefined);
  for (const wrong of ['70000', 'on', '12.5', ''])
    assert.throws(
      () => loadOrchestratorConfig({ ...base, BATON_TEMPORAL_METRICS_PORT: wrong }),
      /BATON_TEMPORAL_METRICS_PORT: must be a port \(1-65535\), 0 for a free one, or off/,
      wrong,
    );
});

test("the watches' shortest poll interval: 10 s by default, lowered for tests, whole seconds from 1 to a day", () => {
  assert.equal(loadOrchestratorConfig(base).watchMinIntervalMs, 10_000);
  assert.equal(loadOrchestratorConfig({ ...base, BATON_WATCH_MIN_INTERVAL_SECONDS: '1' }).watchMinIntervalMs, 1000);
  for (const wrong of ['0', '1.5', 'soon', '86401'])
    assert.throws(
      () => loadOrchestratorConfig({ ...base, BATON_WATCH_MIN_INTERVAL_SECONDS: wrong }),
      /BATON_WATCH_MIN_INTERVAL_SECONDS/,
      wrong,
    );
});
