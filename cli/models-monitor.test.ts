import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from './errors.ts';
import type { MonitoringView } from './api/models-client.ts';
import { runCliCaptured as cli, startFakeGateway, type FakeRequest } from './testing.ts';

const view: MonitoringView = {
  name: 'wine',
  latest: {
    model: { name: 'wine', version: 'bbbbbbbbbbbb' },
    window: { start: '2026-12-06T06:00:00Z', end: '2026-12-07T06:00:00Z', hours: 24 },
    samples: 300,
    drift: { value: 0.9, detected: true, features: ['alcohol'], reason: 'features alcohol drifted' },
    features: [
      { feature: 'alcohol', psi: 0.9, ksPValue: 0.000012, drifted: true },
      { feature: 'ash', psi: 0.01, ksPValue: 0.7, drifted: false },
    ],
    predictionsPsi: 0.02,
    accuracy: { live: 0.7, labeled: 300, holdout: 0.95 },
    summary: 's3://b/monitoring/wine/20261207T060000Z/summary.json',
    report: 's3://b/monitoring/wine/20261207T060000Z/report.html',
  },
  history: [
    {
      windowEnd: '2026-12-06T06:00:00Z',
      version: 'bbbbbbbbbbbb',
      samples: 280,
      drift: 0.05,
      detected: false,
      liveAccuracy: 0.94,
      labeled: 200,
    },
    {
      windowEnd: '2026-12-07T06:00:00Z',
      version: 'bbbbbbbbbbbb',
      samples: 300,
      drift: 0.9,
      detected: true,
      liveAccuracy: 0.7,
      labeled: 300,
    },
  ],
  unreadable: [],
};

const fakeGateway = () =>
  startFakeGateway(({ method, url }: FakeRequest) => {
    if (method === 'GET' && url === '/function/baton/models/wine/monitoring') return { status: 200, body: view };
    if (method === 'GET' && url === '/function/baton/models/iris/monitoring')
      return { status: 200, body: { name: 'iris', latest: null, history: [], unreadable: [] } };
    return undefined;
  });

test('baton models monitor <name> shows the verdict, drift per feature and accuracy over time', async () => {
  const gateway = await fakeGateway();
  try {
    const shown = await cli(['models', 'monitor', 'wine'], gateway.env);
    assert.equal(shown.code, EXIT.ok, shown.err);
    assert.match(shown.out, /^model {7}wine \(version bbbbbbbbbbbb\)\n/);
    assert.match(shown.out, /drift {7}DETECTED \(largest PSI 0\.900\): features alcohol drifted/);
    assert.match(shown.out, /accuracy {4}live 0\.700 on 300 labeled rows, holdout 0\.950/);
    const words = shown.out.split('\n').map((line) => line.split(/\s+/));
    assert.deepEqual(
      words.find((line) => line[0] === 'alcohol'),
      ['alcohol', '0.900', '1.2e-5', 'yes'],
    );
    assert.deepEqual(
      words.find((line) => line[0] === 'ash'),
      ['ash', '0.010', '0.700'],
    );
    assert.deepEqual(
      words.filter((line) => line[0]?.startsWith('2026-')),
      [
        ['2026-12-06T06:00:00Z', 'bbbbbbbbbbbb', '280', '0.050', 'no', '0.940', '(200)'],
        ['2026-12-07T06:00:00Z', 'bbbbbbbbbbbb', '300', '0.900', 'yes', '0.700', '(300)'],
      ],
      'accuracy over time, oldest first',
    );
    assert.deepEqual(JSON.parse((await cli(['models', 'monitor', 'wine', '--json'], gateway.env)).out), view);
    const never = await cli(['models', 'monitor', 'iris'], gateway.env);
    assert.match(never.out, /monitoring {2}none yet: run the monitor-model pipeline/);
    assert.match((await cli(['--help'])).out, /baton models monitor <name> \[--json\]/);
    assert.deepEqual(
      gateway.requests.map((request) => request.url),
      [
        '/function/baton/models/wine/monitoring',
        '/function/baton/models/wine/monitoring',
        '/function/baton/models/iris/monitoring',
      ],
    );
  } finally {
    await gateway.close();
  }
});
