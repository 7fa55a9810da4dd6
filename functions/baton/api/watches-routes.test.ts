import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { trainClassifierPipeline } from '../../../workflows/train-classifier/definition.ts';
import type { DataChangeWatchInput, WatchMemo } from '../../../workflows/data-change-watch/state.ts';
import { signedIn, TEST_ADMIN } from '../auth/testing.ts';
import type { Principal } from '../auth/roles.ts';
import { answerError } from './trigger-api-error.ts';
import { watchesRoutes } from './watches-routes.ts';
import type { WatchView } from './watch-view.ts';

const TOM: Principal = { id: 'key:t', name: 'tom', roles: ['trigger'] };
const ANN: Principal = { id: 'key:a', name: 'ann', roles: ['trigger'] };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A watch workflow as Temporal describes or lists it: its memo after a few polls. */
function execution(watchId: string, creator = TOM, status = 'RUNNING') {
  const memo: WatchMemo = {
    watchId,
    source: { kind: 'csv', path: 'wine.csv' },
    pipeline: 'train-classifier',
    intervalMs: 300_000,
    runOnFirstVersion: false,
    createdBy: { id: creator.id, name: creator.name },
    createdAt: '2026-12-07T00:00:00.000Z',
    state: {
      lastVersion: 'sha256:abc',
      lastPollAt: '2026-12-07T01:00:00.000Z',
      lastRun: { workflowId: `${watchId}-0123456789abcdef`, runId: 'r1', version: 'sha256:abc', startedAt: 'x' },
      polls: 12,
      runsStarted: 1,
    },
  };
  return { type: 'dataChangeWatch', workflowId: `watch:${watchId}`, status: { name: status }, memo: { watch: memo } };
}

/** The watches routes over a fake Temporal client recording every call. */
function setUp(options: { existing?: ReturnType<typeof execution>[]; principal?: Principal; startFails?: Error } = {}) {
  const started: (WorkflowStartOptions & { workflowType: string })[] = [];
  const calls: string[] = [];
  const lists: { query?: string }[] = [];
  const existing = new Map((options.existing ?? []).map((one) => [one.workflowId, one]));
  const client = {
    workflow: {
      async start(workflowType: string, startOptions: WorkflowStartOptions) {
        if (options.startFails) throw options.startFails;
        started.push({ ...startOptions, workflowType });
      },
      list(listOptions: { query?: string }) {
        lists.push(listOptions);
        return (async function* () {
          yield* existing.values();
        })();
      },
      getHandle(workflowId: string) {
        return {
          workflowId,
          async describe() {
            const found = existing.get(workflowId);
            if (!found) throw new WorkflowNotFoundError('not found', workflowId, undefined);
            return found;
          },
          async cancel() {
            calls.push(`cancel ${workflowId}`);
          },
        };
      },
    },
  } as unknown as Client;
  const app = signedIn(
    watchesRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: `http://gw/watches/${id}` }),
      minIntervalMs: 10_000,
    }),
    options.principal ?? TEST_ADMIN,
  ).onError(answerError);
  const post = (body: unknown) => app.request('/', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) });
  return { app, started, calls, lists, post };
}

const CSV_WATCH = {
  watchId: 'wine-csv',
  pipeline: 'train-classifier',
  input: { dataset: 'wine' },
  source: { kind: 'csv', path: 'wine.csv' },
  interval: '5m',
};

test('POST /watches starts the watch workflow with the checked input, the creator and the interval', async () => {
  const { post, started } = setUp({ principal: TOM });
  const response = await post(CSV_WATCH);
  assert.equal(response.status, 201, await response.clone().text());
  assert.deepEqual(await response.json(), {
    watchId: 'wine-csv',
    pipeline: 'train-classifier',
    interval: '5m',
    links: { self: 'http://gw/watches/wine-csv' },
  });
  const [start] = started;
  assert.ok(start);
  assert.equal(start.workflowType, 'dataChangeWatch');
  assert.equal(start.workflowId, 'watch:wine-csv');
  assert.equal(start.taskQueue, 'q');
  assert.equal(start.workflowIdConflictPolicy, 'FAIL');
  const [input] = start.args as [DataChangeWatchInput];
  assert.equal(input.intervalMs, 300_000);
  assert.deepEqual(input.source, { kind: 'csv', path: 'wine.csv' });
  assert.deepEqual(input.createdBy, { id: TOM.id, name: TOM.name }, 'the creator comes from the credential');
  assert.equal(input.pipeline.workflowType, 'trainClassifier');
  assert.equal((input.pipeline.input as { dataset: string }).dataset, 'wine');
  assert.equal(
    (input.pipeline.input as { model: { type: string } }).model.type,
    'logistic_regression',
    "the pipeline's defaults are applied at creation",
  );
  assert.equal(input.runOnFirstVersion, false);
  assert.equal((start.memo as { watch: WatchMemo }).watch.state.polls, 0, 'listed at once, before its first poll');
});

test('POST /watches refuses what it cannot watch, naming the field', async () => {
  const { post, started } = setUp();
  const refused = async (body: unknown, path: string, message: RegExp) => {
    const response = await post(body);
    assert.equal(response.status, 400, JSON.stringify(body));
    const answer = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
    const issue = answer.error.issues.find((one) => one.path === path);
    assert.ok(issue, `${path} in ${JSON.stringify(answer.error.issues)}`);
    assert.match(issue.message, message);
  };
  await refused({ ...CSV_WATCH, interval: '5s' }, 'interval', /between 10s and 1d/);
  await refused({ ...CSV_WATCH, interval: '2d' }, 'interval', /between 10s and 1d/);
  await refused({ ...CSV_WATCH, interval: 'often' }, 'interval', /whole number and a unit/);
  await refused({ ...CSV_WATCH, source: { kind: 'csv' } }, 'source.path', /give path/);
  await refused({ ...CSV_WATCH, source: { kind: 'csv', path: 'a', url: 'http://x/a' } }, 'source.url', /not both/);
  await refused({ ...CSV_WATCH, source: { kind: 'ftp', path: 'a' } }, 'source.kind', /.+/);
  await refused({ ...CSV_WATCH, source: { kind: 'postgres', table: 'x; drop' } }, 'source.table', /identifier/);
  await refused({ ...CSV_WATCH, source: { kind: 'minio-prefix', prefix: 'models/' } }, 'source.prefix', /datasets\//);
  await refused(
    { ...CSV_WATCH, source: { kind: 'minio-prefix', prefix: 'datasets/../system/' } },
    'source.prefix',
    /not starting with/,
  );
  await refused({ ...CSV_WATCH, watchId: 'a/b' }, 'watchId', /letters, digits/);
  await refused({ ...CSV_WATCH, input: { dataset: 7 } }, 'input.dataset', /.+/);
  await refused({ ...CSV_WATCH, extra: 1 }, '(root)', /extra/);
  assert.equal(started.length, 0);
  const unknown = await post({ ...CSV_WATCH, pipeline: 'nope' });
  assert.equal(unknown.status, 404);
});

test('a PostgreSQL watch keeps its table, schema and high-water-mark column', async () => {
  const { post, started } = setUp();
  const response = await post({
    ...CSV_WATCH,
    source: { kind: 'postgres', table: 'wine', highWaterMark: 'loaded_at' },
    interval: '10s',
  });
  assert.equal(response.status, 201, await response.clone().text());
  const [input] = started[0]!.args as [DataChangeWatchInput];
  assert.deepEqual(input.source, { kind: 'postgres', table: 'wine', schema: 'public', highWaterMark: 'loaded_at' });
});

test('a MinIO prefix watch keeps its prefix', async () => {
  const { post, started } = setUp();
  const response = await post({ ...CSV_WATCH, source: { kind: 'minio-prefix', prefix: 'datasets/wine/' } });
  assert.equal(response.status, 201, await response.clone().text());
  const [input] = started[0]!.args as [DataChangeWatchInput];
  assert.deepEqual(input.source, { kind: 'minio-prefix', prefix: 'datasets/wine/' });
});

test('a watch id in use is a 409 naming it', async () => {
  const { post } = setUp({ startFails: new WorkflowExecutionAlreadyStartedError('exists', 'watch:wine-csv', 'x') });
  const response = await post(CSV_WATCH);
  assert.equal(response.status, 409);
  assert.match(
    ((await response.json()) as { error: { message: string } }).error.message,
    /watch "wine-csv" exists already/,
  );
});

test('GET /watches lists the running watches with their last version, poll and run; GET one shows it', async () => {
  const { app, lists } = setUp({ existing: [execution('b-watch'), execution('a-watch')] });
  const listed = (await (await app.request('/')).json()) as { watches: WatchView[] };
  assert.deepEqual(
    listed.watches.map((watch) => watch.watchId),
    ['a-watch', 'b-watch'],
  );
  assert.equal(lists[0]?.query, "WorkflowType = 'dataChangeWatch' AND ExecutionStatus = 'Running'");
  const shown = (await (await app.request('/a-watch')).json()) as WatchView;
  assert.equal(shown.status, 'running');
  assert.equal(shown.interval, '5m');
  assert.equal(shown.lastVersion, 'sha256:abc');
  assert.equal(shown.lastPollAt, '2026-12-07T01:00:00.000Z');
  assert.equal(shown.lastRun?.workflowId, 'a-watch-0123456789abcdef');
  assert.equal(shown.polls, 12);
  assert.deepEqual(shown.links, { self: 'http://gw/watches/a-watch' });
  assert.equal((await app.request('/nope')).status, 404);
});

test('DELETE /watches/{id} cancels the watch of its creator or for an admin, and no one else', async () => {
  const mine = setUp({ existing: [execution('w')], principal: TOM });
  const deleted = await mine.app.request('/w', { method: 'DELETE' });
  assert.equal(deleted.status, 200);
  assert.deepEqual(await deleted.json(), { watchId: 'w', deleted: true });
  assert.deepEqual(mine.calls, ['cancel watch:w']);

  const theirs = setUp({ existing: [execution('w')], principal: ANN });
  const refused = await theirs.app.request('/w', { method: 'DELETE' });
  assert.equal(refused.status, 403);
  assert.match(
    ((await refused.json()) as { error: { message: string } }).error.message,
    /ann may delete only the watches it created/,
  );
  assert.deepEqual(theirs.calls, []);

  const admin = setUp({ existing: [execution('w')] });
  assert.equal((await admin.app.request('/w', { method: 'DELETE' })).status, 200);

  const ended = setUp({ existing: [execution('w', TOM, 'CANCELLED')] });
  const gone = await ended.app.request('/w', { method: 'DELETE' });
  assert.equal(gone.status, 404);
  assert.match(((await gone.json()) as { error: { message: string } }).error.message, /it was cancelled/);
  assert.equal((await ended.app.request('/missing', { method: 'DELETE' })).status, 404);
});
