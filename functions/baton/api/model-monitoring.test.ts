import { Readable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryRegistryStore } from '../../../registry/index.ts';
import { signedIn, unusedRegistry } from '../auth/testing.ts';
import { answerError } from './trigger-api-error.ts';
import { modelsRoutes } from './models-routes.ts';
import type { MonitoringView } from './model-monitoring.ts';

/** A summary as monitor-model stores it (functions/monitor-model/monitor_summary.py), for a window ending at `end`. */
function summary(end: string, drift: number, live: number | null, detected = false) {
  return {
    model: { name: 'wine', version: 'bbbbbbbbbbbb' },
    dataset: { name: 'wine', version: 'aaaaaaaaaaaa' },
    window: { start: '2026-12-06T00:00:00Z', end, hours: 24 },
    thresholds: { psi: 0.2, ksPValue: 0.01, minSamples: 100 },
    requests: 30,
    samples: 300,
    skippedLines: 0,
    features: [
      { feature: 'alcohol', psi: drift, ksPValue: 0.0001, liveMean: 14, trainingMean: 13, drifted: detected },
      { feature: 'ash', psi: 0.01, ksPValue: 0.7, liveMean: 2.3, trainingMean: 2.3, drifted: false },
    ],
    predictions: { psi: 0.02, live: { '0': 100 }, holdout: { '0': 10 }, drifted: false },
    drift: { value: drift, detected, features: detected ? ['alcohol'] : [], reason: 'r' },
    accuracy: { live, labeled: live === null ? 0 : 300, holdout: 0.95 },
    series: [],
    run: { workflowId: 'monitor-1', runId: 'r1' },
  };
}

async function setUp() {
  const store = memoryRegistryStore();
  const monitoringStore = {
    ...store,
    bucket: store.bucket,
    // The real store checks size and sha256 as the bytes pass; this one serves what it holds.
    getStream: async (ref: { uri: string }) => {
      const bytes = store.objects.get(ref.uri.replace(`s3://${store.bucket}/`, ''));
      if (!bytes) throw Object.assign(new Error('gone'), { code: 'NoSuchKey' });
      return Readable.from([bytes]);
    },
  };
  const app = signedIn(modelsRoutes({ registry: unusedRegistry, monitoringStore: () => monitoringStore })).onError(
    answerError,
  );
  return { app, store };
}

test('GET /models/{name}/monitoring: the latest drift per feature and accuracy over time, oldest first', async () => {
  const { app, store } = await setUp();
  // written out of order: the view sorts by window end
  await store.putJsonIf(
    'monitoring/wine/20261207T060000Z/summary.json',
    summary('2026-12-07T06:00:00Z', 0.9, 0.7, true),
    null,
  );
  await store.putJsonIf(
    'monitoring/wine/20261206T060000Z/summary.json',
    summary('2026-12-06T06:00:00Z', 0.05, 0.94),
    null,
  );
  await store.putJsonIf('monitoring/wine/20261206T070000Z/summary.json', { broken: true }, null);
  await store.putJsonIf(
    'monitoring/other/20261207T060000Z/summary.json',
    summary('2026-12-07T06:00:00Z', 0.5, 0.1),
    null,
  );
  const response = await app.request('/wine/monitoring');
  assert.equal(response.status, 200);
  const view = (await response.json()) as MonitoringView;
  assert.deepEqual(
    view.history.map((point) => [point.windowEnd, point.drift, point.detected, point.liveAccuracy]),
    [
      ['2026-12-06T06:00:00Z', 0.05, false, 0.94],
      ['2026-12-07T06:00:00Z', 0.9, true, 0.7],
    ],
  );
  assert.deepEqual(view.latest?.features, [
    { feature: 'alcohol', psi: 0.9, ksPValue: 0.0001, drifted: true },
    { feature: 'ash', psi: 0.01, ksPValue: 0.7, drifted: false },
  ]);
  assert.equal(view.latest?.drift.detected, true);
  assert.equal(view.latest?.accuracy.live, 0.7);
  assert.equal(view.latest?.report, 's3://baton-test/monitoring/wine/20261207T060000Z/report.html');
  assert.deepEqual(view.unreadable, ['monitoring/wine/20261206T070000Z/summary.json'], 'a broken summary is named');
});

test('a model never monitored answers an empty view; a name the registry cannot hold answers 400', async () => {
  const { app } = await setUp();
  const view = (await (await app.request('/nobody/monitoring')).json()) as MonitoringView;
  assert.deepEqual(view, { name: 'nobody', latest: null, history: [], unreadable: [] });
  assert.equal((await app.request('/Not_A_Name/monitoring')).status, 400);
});

test("GET /models/{name}/monitoring/report serves the latest window's report with the run report's headers", async () => {
  const { app, store } = await setUp();
  assert.equal((await app.request('/wine/monitoring/report')).status, 404, 'never monitored');
  const page = Buffer.from('<!doctype html><p>Drift detected</p>');
  const report = store.putArtifact('monitoring/wine/20261207T060000Z/report.html', page);
  const older = store.putArtifact('monitoring/wine/20261206T060000Z/report.html', Buffer.from('<p>old</p>'));
  await store.putJsonIf(
    'monitoring/wine/20261206T060000Z/summary.json',
    { ...summary('2026-12-06T06:00:00Z', 0.05, 0.94), report: older },
    null,
  );
  await store.putJsonIf(
    'monitoring/wine/20261207T060000Z/summary.json',
    { ...summary('2026-12-07T06:00:00Z', 0.9, 0.7, true), report },
    null,
  );
  const response = await app.request('/wine/monitoring/report');
  assert.equal(response.status, 200);
  assert.equal(await response.text(), page.toString());
  assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  store.objects.delete('monitoring/wine/20261207T060000Z/report.html');
  const gone = await app.request('/wine/monitoring/report');
  assert.equal(gone.status, 404);
  assert.match(
    ((await gone.json()) as { error: { message: string } }).error.message,
    /no longer in the artifact store/,
  );
});
