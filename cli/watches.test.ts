import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchView } from './api/watches-client.ts';
import { EXIT } from './errors.ts';
import { watchDetails, watchesTable } from './watches-format.ts';
import { runCliCaptured as cli, startFakeGateway, type FakeRequest } from './testing.ts';

const SHA = `sha256:${'ab'.repeat(32)}`;
const view: WatchView = {
  watchId: 'wine-csv',
  pipeline: 'train-classifier',
  source: { kind: 'csv', path: 'data/wine.csv' },
  interval: '5m',
  runOnFirstVersion: false,
  status: 'running',
  createdBy: { id: 'key:t', name: 'tom' },
  createdAt: '2026-01-01T00:00:00Z',
  lastVersion: SHA,
  lastPollAt: '2026-01-02T03:00:00Z',
  lastRun: { workflowId: 'wine-csv-0123456789abcdef', runId: 'r', version: SHA, startedAt: '2026-01-02T02:55:00Z' },
  polls: 300,
  runsStarted: 2,
  links: { self: 'http://gw/function/baton/watches/wine-csv' },
};

/** A stand-in gateway with one watch, `wine-csv`; `theirs` is another's (403); anything else 404. */
const fakeGateway = () =>
  startFakeGateway(({ method, url, body }: FakeRequest) => {
    const base = '/function/baton/watches';
    if (method === 'POST' && url === base) {
      const request = body as { watchId?: string; pipeline: string; interval?: string };
      if (request.interval === '1s')
        return {
          status: 400,
          body: {
            error: { message: 'invalid watch request', issues: [{ path: 'interval', message: 'between 10s and 1d' }] },
          },
        };
      return {
        status: 201,
        body: {
          watchId: request.watchId ?? 'train-classifier-0a1b2c3d',
          pipeline: request.pipeline,
          interval: request.interval ?? '1m',
          links: view.links,
        },
      };
    }
    if (method === 'GET' && url.startsWith(base) && !url.startsWith(`${base}/`))
      return { status: 200, body: { watches: [view] } };
    if (url.startsWith(`${base}/theirs`))
      return { status: 403, body: { error: { message: 'tom may delete only the watches it created' } } };
    if (!url.startsWith(`${base}/wine-csv`)) return { status: 404, body: { error: { message: 'no watch "x"' } } };
    if (method === 'GET') return { status: 200, body: view };
    if (method === 'DELETE') return { status: 200, body: { watchId: 'wine-csv', deleted: true } };
    return undefined;
  });

test('show and list print the source, the last poll, version and run', () => {
  assert.deepEqual(watchDetails(view, 'UTC'), [
    'watch         wine-csv (running)',
    'pipeline      train-classifier',
    'source        csv data/wine.csv, every 5m',
    'created       2026-01-01 00:00:00 by tom',
    'last poll     2026-01-02 03:00:00 (300 polls)',
    `last version  ${SHA}`,
    'last run      wine-csv-0123456789abcdef (version sha256:abababababab…, 2026-01-02 02:55:00)',
    'runs started  2',
    'API          http://gw/function/baton/watches/wine-csv',
  ]);
  const pg: WatchView = {
    ...view,
    watchId: 'pg',
    source: { kind: 'postgres', table: 'wine', schema: 'public', highWaterMark: 'loaded_at' },
    lastVersion: 'max:2026-01-02',
    lastPollAt: undefined,
    lastRun: undefined,
  };
  assert.deepEqual(watchesTable([view, pg], 'UTC'), [
    'WATCH ID  PIPELINE          SOURCE                                   EVERY  LAST POLL            LAST VERSION          LAST RUN',
    'wine-csv  train-classifier  csv data/wine.csv                        5m     2026-01-02 03:00:00  sha256:abababababab…  wine-csv-0123456789abcdef',
    'pg        train-classifier  postgres public.wine (max of loaded_at)  5m     -                    max:2026-01-02        -',
  ]);
});

test('watches create sends the source, interval, input and id; refusals exit 2 naming the field', async () => {
  const gateway = await fakeGateway();
  try {
    const created = await cli(
      [
        'watches',
        'create',
        'train-classifier',
        '--csv',
        'data/wine.csv',
        '--every',
        '5m',
        '--input',
        '{"dataset": "wine"}',
        '--id',
        'wine-csv',
        '--run-now',
      ],
      gateway.env,
    );
    assert.equal(created.code, EXIT.ok, created.err);
    assert.equal(created.out, 'wine-csv');
    assert.match(
      created.err,
      /created: watch wine-csv of train-classifier, every 5m\nsee it {6}baton watches show wine-csv/,
    );
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'POST',
      url: '/function/baton/watches',
      body: {
        pipeline: 'train-classifier',
        source: { kind: 'csv', path: 'data/wine.csv' },
        input: { dataset: 'wine' },
        interval: '5m',
        watchId: 'wine-csv',
        runOnFirstVersion: true,
      },
    });
    const pg = await cli(
      ['watches', 'create', 'train-classifier', '--postgres', 'wine', '--high-water-mark', 'loaded_at', '--json'],
      gateway.env,
    );
    assert.equal(pg.code, EXIT.ok, pg.err);
    assert.deepEqual(gateway.requests.at(-1)!.body, {
      pipeline: 'train-classifier',
      source: { kind: 'postgres', table: 'wine', highWaterMark: 'loaded_at' },
    });
    const prefix = await cli(['watches', 'create', 'train-classifier', '--prefix', 'datasets/wine/'], gateway.env);
    assert.equal(prefix.code, EXIT.ok, prefix.err);
    assert.deepEqual(gateway.requests.at(-1)!.body, {
      pipeline: 'train-classifier',
      source: { kind: 'minio-prefix', prefix: 'datasets/wine/' },
    });
    const url = await cli(['watches', 'create', 'p', '--csv', 'https://data.example/w.csv'], gateway.env);
    assert.equal(url.code, EXIT.ok, url.err);
    assert.deepEqual((gateway.requests.at(-1)!.body as { source: unknown }).source, {
      kind: 'csv',
      url: 'https://data.example/w.csv',
    });

    const calls = gateway.requests.length;
    const none = await cli(['watches', 'create', 'train-classifier'], gateway.env);
    assert.equal(none.code, EXIT.usage);
    assert.match(
      none.err,
      /say what to watch, one of: --csv data\/wine.csv, --postgres <table>, --prefix datasets\/wine\//,
    );
    const both = await cli(['watches', 'create', 'p', '--csv', 'a.csv', '--postgres', 't'], gateway.env);
    assert.equal(both.code, EXIT.usage);
    const markOnPrefix = await cli(
      ['watches', 'create', 'p', '--prefix', 'runs/', '--high-water-mark', 'id'],
      gateway.env,
    );
    assert.equal(markOnPrefix.code, EXIT.usage);
    assert.match(markOnPrefix.err, /go with --postgres, not --prefix/);
    assert.equal(gateway.requests.length, calls, 'a usage error calls nothing');
    const tooOften = await cli(['watches', 'create', 'p', '--csv', 'a.csv', '--every', '1s'], gateway.env);
    assert.equal(tooOften.code, EXIT.usage);
    assert.match(tooOften.err, /interval: between 10s and 1d/);
  } finally {
    await gateway.close();
  }
});

test('watches list, show and delete call their routes; an unknown or foreign watch exits 2', async () => {
  const gateway = await fakeGateway();
  try {
    const listed = await cli(['watches', 'list'], gateway.env);
    assert.equal(listed.code, EXIT.ok, listed.err);
    assert.match(listed.out, /^WATCH ID +PIPELINE/);
    assert.match(listed.out, /wine-csv +train-classifier +csv data\/wine.csv/);
    const shown = await cli(['watches', 'show', 'wine-csv', '--json'], gateway.env);
    assert.deepEqual(JSON.parse(shown.out), view);
    const deleted = await cli(['watches', 'delete', 'wine-csv'], gateway.env);
    assert.equal(deleted.out, 'deleted watch wine-csv');
    assert.equal(gateway.requests.at(-1)!.method, 'DELETE');
    const theirs = await cli(['watches', 'delete', 'theirs'], gateway.env);
    assert.equal(theirs.code, EXIT.usage);
    assert.match(theirs.err, /may delete only the watches it created/);
    assert.equal((await cli(['watches', 'show', 'nope'], gateway.env)).code, EXIT.usage);
  } finally {
    await gateway.close();
  }
});
