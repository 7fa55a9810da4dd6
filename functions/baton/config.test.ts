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
  assert.throws(() => loadOrchestratorConfig({}), (error: Error) =>
    /TEMPORAL_ADDRESS/.test(error.message) && /BATON_GATEWAY_URL/.test(error.message));
  assert.throws(() => loadOrchestratorConfig({ ...base, TEMPORAL_ADDRESS: 'localhost' }), /TEMPORAL_ADDRESS: must be host:port/);
  assert.throws(() => loadOrchestratorConfig({ ...base, BATON_MAX_CONCURRENT_ACTIVITIES: '0' }), /BATON_MAX_CONCURRENT_ACTIVITIES/);
});
