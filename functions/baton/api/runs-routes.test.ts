import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter, TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { EncryptionCodec } from '../codec/encryption-codec.ts';
import { parseCodecKeys } from '../codec/keys.ts';
import { batonSearchAttributes as sa } from '../../../workflows/search-attributes.ts';
import { trainClassifierPipeline } from '../../../workflows/train-classifier/definition.ts';
import { signedIn } from '../auth/testing.ts';
import { answerError } from './trigger-api-error.ts';
import { runsRoutes, type RunSummary } from './runs-routes.ts';

function execution(
  id: string,
  startedAt: string,
  pairs: SearchAttributePair[],
  closedAt?: string,
  status = closedAt ? 'COMPLETED' : 'RUNNING',
): WorkflowExecutionInfo {
  return {
    workflowId: id,
    runId: `${id}-run`,
    type: 'trainClassifier',
    taskQueue: 'q',
    status: { code: 0, name: status },
    historyLength: 1,
    startTime: new Date(startedAt),
    ...(closedAt ? { closeTime: new Date(closedAt) } : {}),
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(pairs),
    raw: {},
  } as unknown as WorkflowExecutionInfo;
}

/** A fake client's options: no payload codecs. */
const noCodecs = { loadedDataConverter: { payloadCodecs: [] } };

const older = execution(
  'train-classifier-1',
  '2026-01-01T00:00:00Z',
  [
    { key: sa.pipeline, value: 'train-classifier' },
    { key: sa.step, value: 'register-model' },
    { key: sa.trigger, value: 'api' },
    { key: sa.datasetVersion, value: 'd1' },
    { key: sa.modelVersion, value: 'v1' },
    { key: sa.accuracy, value: 0.97 },
    { key: sa.stage, value: 'staging' },
  ],
  '2026-01-01T00:00:09Z',
);
const newer = execution('train-classifier-2', '2026-01-01T00:01:00Z', [
  { key: sa.pipeline, value: 'train-classifier' },
  { key: sa.step, value: 'train' },
]);
const unlabelled = execution('old-run', '2025-12-31T00:00:00Z', [], '2025-12-31T00:00:01Z', 'FAILED');

/** The runs routes over a fake client whose `list` records queries and answers `executions` (or throws `failure`). */
function setUp(executions: WorkflowExecutionInfo[], failure?: Error) {
  const lists: { query?: string; pageSize?: number }[] = [];
  const client = {
    workflow: {
      list(options: { query?: string; pageSize?: number }) {
        lists.push(options);
        return (async function* () {
          if (failure) throw failure;
          yield* executions;
        })();
      },
    },
  } as unknown as Client;
  const app = signedIn(
    runsRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: `http://gw/runs/${id}` }),
    }),
  ).onError(answerError);
  return { app, lists };
}

test('GET /runs lists runs newest first with what their search attributes say', async () => {
  const { app, lists } = setUp([older, newer, unlabelled]);
  const response = await app.request('/');
  assert.equal(response.status, 200);
  const { runs } = (await response.json()) as { runs: RunSummary[] };
  assert.deepEqual(
    lists,
    [{ query: "WorkflowId != 'baton-scaler' AND WorkflowType != 'dataChangeWatch'", pageSize: 50 }],
    'no query lists every run but the scaler, 50 by default',
  );
  assert.deepEqual(
    runs.map((run) => run.runId),
    ['train-classifier-2', 'train-classifier-1', 'old-run'],
  );
  assert.deepEqual(runs[1], {
    runId: 'train-classifier-1',
    pipeline: 'train-classifier',
    status: 'completed',
    startedAt: '2026-01-01T00:00:00.000Z',
    closedAt: '2026-01-01T00:00:09.000Z',
    step: 'register-model',
    datasetVersion: 'd1',
    modelVersion: 'v1',
    accuracy: 0.97,
    stage: 'staging',
    trigger: 'api',
  });
  assert.deepEqual(runs[0], {
    runId: 'train-classifier-2',
    pipeline: 'train-classifier',
    status: 'running',
    startedAt: '2026-01-01T00:01:00.000Z',
    step: 'train',
  });
  assert.equal(
    runs[2]?.pipeline,
    'train-classifier',
    'without BatonPipeline the pipeline comes from the workflow type',
  );
});

test('GET /runs passes the query and the pipeline shortcut to Temporal, and stops at the limit', async () => {
  const { app, lists } = setUp([older, newer, unlabelled]);
  const limited = (await (await app.request('/?limit=2&pipeline=train-classifier')).json()) as { runs: RunSummary[] };
  assert.equal(limited.runs.length, 2);
  await app.request(`/?query=${encodeURIComponent('BatonAccuracy > 0.5')}&pipeline=train-classifier`);
  await app.request(`/?query=${encodeURIComponent("ExecutionStatus = 'Running'")}`);
  assert.deepEqual(lists, [
    {
      query:
        "BatonPipeline = 'train-classifier' AND WorkflowId != 'baton-scaler' AND WorkflowType != 'dataChangeWatch'",
      pageSize: 2,
    },
    {
      query:
        "(BatonAccuracy > 0.5) AND BatonPipeline = 'train-classifier' AND WorkflowId != 'baton-scaler' AND WorkflowType != 'dataChangeWatch'",
      pageSize: 50,
    },
    {
      query: "(ExecutionStatus = 'Running') AND WorkflowId != 'baton-scaler' AND WorkflowType != 'dataChangeWatch'",
      pageSize: 50,
    },
  ]);
});

test('GET /runs refuses a bad limit or pipeline name with 400 naming the field, before asking Temporal', async () => {
  const { app, lists } = setUp([]);
  for (const [search, field] of [
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ["pipeline=x'%20OR%20'1", 'pipeline'],
    ['pipeline=', 'pipeline'],
    ['limit=', 'limit'],
  ]) {
    const response = await app.request(`/?${search}`);
    assert.equal(response.status, 400, search);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    assert.deepEqual(
      body.error.issues.map((issue) => issue.path),
      [field],
      search,
    );
  }
  assert.deepEqual(lists, []);
});

test("a query Temporal refuses answers 400 with the server's own message and no stack", async () => {
  const grpcError = Object.assign(new Error('3 INVALID_ARGUMENT: invalid query'), {
    code: 3,
    details: "invalid query: invalid expression: column name 'Nope' is not a valid search attribute",
    metadata: {},
  });
  const { app } = setUp([], new ServiceError('Failed to list workflows', { cause: grpcError }));
  const response = await app.request(`/?query=${encodeURIComponent('Nope = 1')}`);
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), {
    error: {
      message: grpcError.details,
      query: "(Nope = 1) AND WorkflowId != 'baton-scaler' AND WorkflowType != 'dataChangeWatch'",
    },
  });

  const unavailable = setUp(
    [],
    new ServiceError('Failed to list workflows', {
      cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: 'down', metadata: {} }),
    }),
  );
  const original = console.error;
  console.error = () => {};
  try {
    // Not the caller's fault either: Temporal is unavailable, a 503 to try again (trigger-api-error.ts).
    assert.equal((await unavailable.app.request('/')).status, 503, "other failures are not the caller's fault");
  } finally {
    console.error = original;
  }
});

test('GET /runs/{id} shows the input and metrics the run keeps in its memo', async () => {
  const description = {
    workflowId: 'r1',
    type: 'trainClassifier',
    status: { name: 'COMPLETED' },
    startTime: new Date('2026-01-01T00:00:00Z'),
    closeTime: new Date('2026-01-01T00:00:02Z'),
    raw: { pendingActivities: [] },
    memo: { input: { dataset: 'wine' }, metrics: { accuracy: 0.9 } },
  };
  const client = {
    options: noCodecs,
    workflow: { getHandle: () => ({ describe: async () => description, fetchHistory: async () => ({ events: [] }) }) },
  } as unknown as Client;
  const app = signedIn(
    runsRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: id }),
    }),
  );
  const view = (await (await app.request('/r1')).json()) as { input: unknown; metrics: unknown };
  assert.deepEqual(view.input, { dataset: 'wine' });
  assert.deepEqual(view.metrics, { accuracy: 0.9 });
});

test("GET /runs/{id} decodes an encrypted history and heartbeat with the client's codec", async () => {
  const codec = new EncryptionCodec(parseCodecKeys(`k1:${Buffer.alloc(32, 7).toString('base64')}`));
  const encrypted = async (value: unknown) => ({
    payloads: await codec.encode([defaultPayloadConverter.toPayload(value)]),
  });
  const description = {
    workflowId: 'r2',
    type: 'trainClassifier',
    status: { name: 'RUNNING' },
    startTime: new Date('2026-01-01T00:00:00Z'),
    memo: {},
    raw: {
      pendingActivities: [
        {
          activityId: 'train',
          attempt: 1,
          lastStartedTime: {},
          heartbeatDetails: await encrypted({ fraction: 0.5, epoch: 3 }),
        },
      ],
    },
  };
  const events = [
    {
      eventId: 5,
      activityTaskScheduledEventAttributes: { activityId: 'ingest', input: await encrypted({ function: 'ingest' }) },
    },
    {
      eventId: 6,
      activityTaskCompletedEventAttributes: {
        scheduledEventId: 5,
        result: await encrypted({ output: {}, metrics: { rows: 178 } }),
      },
    },
    {
      eventId: 7,
      activityTaskScheduledEventAttributes: { activityId: 'train', input: await encrypted({ function: 'train' }) },
    },
  ];
  const client = {
    options: { loadedDataConverter: { payloadCodecs: [codec] } },
    workflow: { getHandle: () => ({ describe: async () => description, fetchHistory: async () => ({ events }) }) },
  } as unknown as Client;
  const app = signedIn(
    runsRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: id }),
    }),
  );
  const view = (await (await app.request('/r2')).json()) as {
    steps: { name: string; function: string; metrics?: unknown; progress?: unknown }[];
  };
  const ingest = view.steps.find((step) => step.name === 'ingest');
  assert.deepEqual(ingest?.metrics, { rows: 178 });
  assert.deepEqual(view.steps.find((step) => step.name === 'train')?.progress, { fraction: 0.5, epoch: 3 });
});

test("Baton's own workflows are not runs: the scaler can be neither shown, cancelled nor taken as a runId", async () => {
  const touched: string[] = [];
  const client = {
    options: noCodecs,
    workflow: {
      getHandle: (id: string) => ({
        workflowId: id,
        describe: async () => (touched.push(`describe ${id}`), { type: 'batonScaler', status: { name: 'RUNNING' } }),
        cancel: async () => touched.push(`cancel ${id}`),
      }),
      start: async () => touched.push('start'),
    },
  } as unknown as Client;
  const app = signedIn(
    runsRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: id }),
    }),
  ).onError(answerError);
  assert.equal((await app.request('/baton-scaler/cancel', { method: 'POST' })).status, 404);
  assert.equal((await app.request('/baton-scaler')).status, 404);
  const taken = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: 'train-classifier', runId: 'baton-scaler' }),
  });
  assert.equal(taken.status, 400);
  assert.deepEqual(
    ((await taken.json()) as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
    ['runId'],
  );
  assert.deepEqual(touched, [], 'nothing reached Temporal');
});

test("a trigger cancels the runs it started, not another's; an admin cancels any run", async () => {
  const cancelled: string[] = [];
  const client = {
    options: noCodecs,
    workflow: {
      getHandle: (id: string) => ({
        workflowId: id,
        describe: async () => ({
          type: 'trainClassifier',
          status: { name: 'RUNNING' },
          memo: { startedBy: { id: id === 'mine' ? 'key:t' : 'key:other', name: id === 'mine' ? 'tom' : 'olga' } },
        }),
        cancel: async () => cancelled.push(id),
      }),
    },
  } as unknown as Client;
  const routes = () =>
    runsRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: id }),
    });
  const tom = signedIn(routes(), { id: 'key:t', name: 'tom', roles: ['trigger'] }).onError(answerError);
  assert.equal((await tom.request('/mine/cancel', { method: 'POST' })).status, 202);
  const denied = await tom.request('/theirs/cancel', { method: 'POST' });
  assert.equal(denied.status, 403);
  assert.match(
    ((await denied.json()) as { error: { message: string } }).error.message,
    /tom may cancel only the runs it started; run "theirs" was started by olga/,
  );
  assert.equal(
    (await signedIn(routes()).onError(answerError).request('/theirs/cancel', { method: 'POST' })).status,
    202,
    'the test admin',
  );
  assert.deepEqual(cancelled, ['mine', 'theirs']);
});
