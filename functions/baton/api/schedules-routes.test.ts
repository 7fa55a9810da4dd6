import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSummary,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { batonSearchAttributes as sa } from '../../../workflows/search-attributes.ts';
import { trainClassifierPipeline } from '../../../workflows/train-classifier/definition.ts';
import { signedIn, TEST_ADMIN } from '../auth/testing.ts';
import type { Principal } from '../auth/roles.ts';
import { answerError } from './trigger-api-error.ts';
import { schedulesRoutes } from './schedules-routes.ts';
import type { ScheduleView } from './schedule-view.ts';

const TOM: Principal = { id: 'key:t', name: 'tom', roles: ['trigger'] };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A schedule as Temporal describes it, made by `creator`. */
function description(scheduleId: string, creator = TOM): ScheduleDescription {
  return {
    scheduleId,
    spec: { intervals: [{ every: 7_200_000, offset: 900_000 }], timezone: 'Europe/Paris', jitter: 30_000 },
    action: {
      type: 'startWorkflow',
      workflowType: 'trainClassifier',
      taskQueue: 'q',
      workflowId: scheduleId,
      args: [{ dataset: 'wine' }],
    },
    policies: { overlap: 'BUFFER_ONE', catchupWindow: 600_000, pauseOnFailure: false },
    memo: {
      pipeline: 'train-classifier',
      createdBy: { id: creator.id, name: creator.name },
      spec: { cron: ['0 3 * * *'], intervals: [{ every: '2h', offset: '15m' }] },
    },
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes([{ key: sa.pipeline, value: 'train-classifier' }]),
    state: { paused: true, note: 'holiday' },
    info: {
      recentActions: [
        {
          scheduledAt: new Date('2026-01-01T03:00:00Z'),
          takenAt: new Date('2026-01-01T03:00:01Z'),
          action: {
            type: 'startWorkflow',
            workflow: { workflowId: `${scheduleId}-2026-01-01T03:00:00Z`, firstExecutionRunId: 'r' },
          },
        },
      ],
      nextActionTimes: [new Date('2026-01-02T03:00:00Z')],
      numActionsTaken: 1,
      numActionsMissedCatchupWindow: 0,
      numActionsSkippedOverlap: 2,
      createdAt: new Date('2025-12-31T00:00:00Z'),
      lastUpdatedAt: undefined,
      runningActions: [],
    },
    raw: {},
  } as unknown as ScheduleDescription;
}

/** The schedules routes over a fake Temporal client recording every schedule call; `existing` can be described. */
function setUp(
  options: { existing?: Record<string, ScheduleDescription>; createFails?: Error; principal?: Principal } = {},
) {
  const calls: string[] = [];
  const created: ScheduleOptions[] = [];
  const lists: { pageSize?: number; query?: string }[] = [];
  const existing = options.existing ?? {};
  const known = (id: string) => {
    if (!existing[id]) throw new ScheduleNotFoundError('schedule not found', id);
  };
  const client = {
    schedule: {
      async create(scheduleOptions: ScheduleOptions) {
        calls.push(`create ${scheduleOptions.scheduleId}`);
        if (options.createFails) throw options.createFails;
        created.push(scheduleOptions);
      },
      list(listOptions: { pageSize?: number; query?: string }) {
        lists.push(listOptions);
        return (async function* () {
          for (const one of Object.values(existing)) yield one as unknown as ScheduleSummary;
        })();
      },
      getHandle(scheduleId: string) {
        const act = (what: string) => async (arg?: string) => {
          calls.push(`${what} ${scheduleId}${arg === undefined ? '' : ` ${arg}`}`);
          known(scheduleId);
        };
        return {
          scheduleId,
          async describe() {
            known(scheduleId);
            return existing[scheduleId];
          },
          delete: act('delete'),
          pause: act('pause'),
          unpause: act('unpause'),
          trigger: act('trigger'),
        };
      },
    },
  } as unknown as Client;
  const app = signedIn(
    schedulesRoutes({
      client,
      taskQueue: 'q',
      pipelines: new Map([[trainClassifierPipeline.name, trainClassifierPipeline]]),
      links: (id) => ({ self: `http://gw/schedules/${id}` }),
    }),
    options.principal ?? TEST_ADMIN,
  ).onError(answerError);
  const post = (path: string, body?: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: JSON_TYPE,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { app, calls, created, lists, post };
}

test('POST /schedules makes a Temporal Schedule whose runs are runs of the pipeline, marked as scheduled', async () => {
  const { post, created } = setUp({ principal: TOM });
  const response = await post('/', {
    scheduleId: 'nightly-wine',
    pipeline: 'train-classifier',
    input: { dataset: 'wine' },
    spec: {
      cron: ['0 3 * * MON-FRI'],
      intervals: [{ every: '2h', offset: '15m' }],
      timezone: 'Europe/Paris',
      jitter: '30s',
      startAt: '2026-01-01T00:00:00Z',
      endAt: '2027-01-01T00:00:00+01:00',
    },
    policy: { overlap: 'buffer-one', catchupWindow: '10m', pauseOnFailure: true },
    paused: true,
    note: 'until the data lands',
  });
  assert.equal(response.status, 201, await response.clone().text());
  assert.deepEqual(await response.json(), {
    scheduleId: 'nightly-wine',
    pipeline: 'train-classifier',
    paused: true,
    links: { self: 'http://gw/schedules/nightly-wine' },
  });
  const [options] = created;
  assert.ok(options);
  assert.deepEqual(options.spec, {
    cronExpressions: ['0 3 * * MON-FRI'],
    intervals: [{ every: 7_200_000, offset: 900_000 }],
    timezone: 'Europe/Paris',
    jitter: 30_000,
    startAt: new Date('2026-01-01T00:00:00Z'),
    endAt: new Date('2026-12-31T23:00:00Z'),
  });
  assert.deepEqual(options.policies, { overlap: 'BUFFER_ONE', pauseOnFailure: true, catchupWindow: 600_000 });
  assert.deepEqual(options.state, { paused: true, note: 'until the data lands' });
  const action = options.action;
  assert.equal(action.workflowType, 'trainClassifier');
  assert.equal(action.taskQueue, 'q');
  assert.equal(action.workflowId, 'nightly-wine');
  const input = trainClassifierPipeline.input.parse({ dataset: 'wine' });
  assert.deepEqual(action.args, [input], "the input as the pipeline's schema parsed it, defaults filled in");
  assert.deepEqual(action.memo, { input, startedBy: { id: 'key:t', name: 'tom' } }, 'started by the creator');
  assert.deepEqual(
    (action.typedSearchAttributes as { key: { name: string }; value: unknown }[]).map((pair) => [
      pair.key.name,
      pair.value,
    ]),
    [
      ['BatonPipeline', 'train-classifier'],
      ['BatonTrigger', 'schedule'],
    ],
  );
  assert.deepEqual(options.memo?.createdBy, { id: 'key:t', name: 'tom' });
  assert.equal(options.memo?.pipeline, 'train-classifier');
});

test('POST /schedules takes defaults: an id from the pipeline, overlap skip, not paused', async () => {
  const { post, created } = setUp();
  const response = await post('/', { pipeline: 'train-classifier', spec: { intervals: [{ every: '2s' }] } });
  assert.equal(response.status, 201);
  const body = (await response.json()) as { scheduleId: string };
  assert.match(body.scheduleId, /^train-classifier-[0-9a-f]{8}$/);
  assert.deepEqual(created[0]?.policies, { overlap: 'SKIP', pauseOnFailure: false });
  assert.deepEqual(created[0]?.state, { paused: false });
  assert.deepEqual(created[0]?.spec, { intervals: [{ every: 2000 }] });
});

test('POST /schedules refuses each bad field with 400 naming it, before asking Temporal', async () => {
  const { post, calls } = setUp();
  const base = { pipeline: 'train-classifier', spec: { intervals: [{ every: '1h' }] } };
  const cases: [unknown, string][] = [
    [{ ...base, input: { split: { testSize: 2 } } }, 'input.split.testSize'],
    [{ ...base, spec: {} }, 'spec.cron'],
    [{ ...base, spec: { intervals: [{ every: '0s' }] } }, 'spec.intervals.0.every'],
    [{ ...base, spec: { intervals: [{ every: '2 hours' }] } }, 'spec.intervals.0.every'],
    [{ ...base, spec: { intervals: [{ every: '1h', offset: '1h' }] } }, 'spec.intervals.0.offset'],
    [{ ...base, spec: { intervals: Array(11).fill({ every: '1h' }) } }, 'spec.intervals'],
    [{ ...base, spec: { cron: ['every day'] } }, 'spec.cron.0'],
    [{ ...base, spec: { cron: ['CRON_TZ=UTC 0 3 * * *'] } }, 'spec.cron.0'],
    [{ ...base, spec: { cron: ['0 3 * * *'], timezone: 'Mars/Olympus_Mons' } }, 'spec.timezone'],
    [{ ...base, spec: { cron: ['0 3 * * *'], jitter: '2d' } }, 'spec.jitter'],
    [
      { ...base, spec: { cron: ['@daily'], startAt: '2026-02-01T00:00:00Z', endAt: '2026-01-01T00:00:00Z' } },
      'spec.endAt',
    ],
    [{ ...base, spec: { cron: ['@daily'], startAt: 'tomorrow' } }, 'spec.startAt'],
    [{ ...base, policy: { overlap: 'sometimes' } }, 'policy.overlap'],
    [{ ...base, policy: { catchupWindow: '5s' } }, 'policy.catchupWindow'],
    [{ ...base, note: 'x'.repeat(501) }, 'note'],
    [{ ...base, scheduleId: 'no spaces' }, 'scheduleId'],
    [{ ...base, paused: 'yes' }, 'paused'],
  ];
  for (const [body, field] of cases) {
    const response = await post('/', body);
    assert.equal(response.status, 400, `${field}: ${JSON.stringify(body)}`);
    const { error } = (await response.json()) as { error: { issues: { path: string }[] } };
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      [field],
      JSON.stringify(body),
    );
  }
  assert.equal((await post('/', { ...base, owner: 'someone-else' })).status, 400, 'no unknown field (no owner)');
  assert.deepEqual(calls, [], 'nothing reached Temporal');
});

test('POST /schedules: an unknown pipeline is a 404 listing the known ones; a taken id 409; a spec the server refuses 400', async () => {
  const unknown = await setUp().post('/', { pipeline: 'nope', spec: { cron: ['@daily'] } });
  assert.equal(unknown.status, 404);
  assert.deepEqual(((await unknown.json()) as { error: { knownPipelines: string[] } }).error.knownPipelines, [
    'train-classifier',
  ]);

  const taken = setUp({ createFails: new ScheduleAlreadyRunning('exists', 'nightly') });
  const conflict = await taken.post('/', {
    scheduleId: 'nightly',
    pipeline: 'train-classifier',
    spec: { cron: ['@daily'] },
  });
  assert.equal(conflict.status, 409);
  assert.match(((await conflict.json()) as { error: { message: string } }).error.message, /"nightly" exists already/);

  const refused = setUp({ createFails: new TypeError('invalid cron field minute: 61') });
  const bad = await refused.post('/', { pipeline: 'train-classifier', spec: { cron: ['61 * * * *'] } });
  assert.equal(bad.status, 400);
  assert.deepEqual(((await bad.json()) as { error: { issues: unknown } }).error.issues, [
    { path: 'spec', message: 'invalid cron field minute: 61' },
  ]);
});

test('GET /schedules/{id} shows the spec as written, policy, state, recent runs and next times; 404 and 400 otherwise', async () => {
  const { app } = setUp({ existing: { nightly: description('nightly') } });
  const response = await app.request('/nightly');
  assert.equal(response.status, 200);
  const view = (await response.json()) as ScheduleView;
  assert.deepEqual(view, {
    scheduleId: 'nightly',
    pipeline: 'train-classifier',
    input: { dataset: 'wine' },
    spec: {
      cron: ['0 3 * * *'],
      intervals: [{ every: '2h', offset: '15m' }],
      timezone: 'Europe/Paris',
      jitter: '30s',
    },
    policy: { overlap: 'buffer-one', catchupWindow: '10m', pauseOnFailure: false },
    state: { paused: true, note: 'holiday' },
    createdBy: { id: 'key:t', name: 'tom' },
    createdAt: '2025-12-31T00:00:00.000Z',
    actions: { taken: 1, skippedOverlap: 2, missedCatchupWindow: 0 },
    recentActions: [
      {
        runId: 'nightly-2026-01-01T03:00:00Z',
        scheduledAt: '2026-01-01T03:00:00.000Z',
        takenAt: '2026-01-01T03:00:01.000Z',
      },
    ],
    runningRuns: [],
    nextActionTimes: ['2026-01-02T03:00:00.000Z'],
    links: { self: 'http://gw/schedules/nightly' },
  });
  const missing = await app.request('/gone');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /no schedule "gone"/);
  const invalid = await app.request(`/${encodeURIComponent("x' OR '1")}`);
  assert.equal(invalid.status, 400);
  assert.deepEqual(
    ((await invalid.json()) as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
    ['scheduleId'],
  );
});

test('GET /schedules lists summaries by id, filtered by pipeline through its search attribute, up to the limit', async () => {
  const { app, lists } = setUp({ existing: { b: description('b'), a: description('a') } });
  const { schedules } = (await (await app.request('/?pipeline=train-classifier')).json()) as {
    schedules: { scheduleId: string }[];
  };
  assert.deepEqual(schedules, [
    {
      scheduleId: 'a',
      pipeline: 'train-classifier',
      paused: true,
      note: 'holiday',
      createdBy: 'tom',
      nextActionTimes: ['2026-01-02T03:00:00.000Z'],
      lastRun: { runId: 'a-2026-01-01T03:00:00Z', takenAt: '2026-01-01T03:00:01.000Z' },
    },
    {
      scheduleId: 'b',
      pipeline: 'train-classifier',
      paused: true,
      note: 'holiday',
      createdBy: 'tom',
      nextActionTimes: ['2026-01-02T03:00:00.000Z'],
      lastRun: { runId: 'b-2026-01-01T03:00:00Z', takenAt: '2026-01-01T03:00:01.000Z' },
    },
  ]);
  const limited = (await (await app.request('/?limit=1')).json()) as { schedules: unknown[] };
  assert.equal(limited.schedules.length, 1);
  assert.deepEqual(lists, [
    { pageSize: 50, query: "BatonPipeline = 'train-classifier'" },
    { pageSize: 1, query: undefined },
  ]);
  for (const search of ['limit=0', 'limit=1001', "pipeline=x'%20OR%20'1"])
    assert.equal((await app.request(`/?${search}`)).status, 400, search);
});

test('pause, unpause, trigger and delete: notes and overlap reach Temporal; an unknown schedule is 404', async () => {
  const { post, app, calls } = setUp({ existing: { nightly: description('nightly') } });
  const paused = await post('/nightly/pause', { note: 'data source down' });
  assert.deepEqual(await paused.json(), { scheduleId: 'nightly', paused: true, note: 'data source down' });
  const unpaused = await post('/nightly/unpause');
  assert.deepEqual(await unpaused.json(), { scheduleId: 'nightly', paused: false, note: 'unpaused by test-admin' });
  const triggered = await post('/nightly/trigger', { overlap: 'skip' });
  assert.equal(triggered.status, 202);
  assert.equal(((await triggered.json()) as { status: string }).status, 'triggered');
  assert.equal((await post('/nightly/trigger')).status, 202);
  assert.equal((await app.request('/nightly', { method: 'DELETE' })).status, 200);
  assert.deepEqual(calls, [
    'pause nightly data source down',
    'unpause nightly unpaused by test-admin',
    'trigger nightly SKIP',
    'trigger nightly ALLOW_ALL',
    'delete nightly',
  ]);
  for (const path of ['/gone/pause', '/gone/unpause', '/gone/trigger'])
    assert.equal((await post(path)).status, 404, path);
  assert.equal((await app.request('/gone', { method: 'DELETE' })).status, 404);
  const badOverlap = await post('/nightly/trigger', { overlap: 'maybe' });
  assert.equal(badOverlap.status, 400);
  assert.equal((await post('/nightly/pause', { note: 'x'.repeat(501) })).status, 400);
  assert.equal(calls.length, 5, 'refused requests changed nothing');
});

test('a trigger manages the schedules it created, not another’s; an admin manages any', async () => {
  const existing = {
    mine: description('mine', TOM),
    theirs: description('theirs', { id: 'key:o', name: 'olga', roles: ['trigger'] }),
  };
  const tom = setUp({ existing, principal: TOM });
  assert.equal((await tom.post('/mine/pause')).status, 200);
  for (const [method, path] of [
    ['POST', '/theirs/pause'],
    ['POST', '/theirs/unpause'],
    ['POST', '/theirs/trigger'],
    ['DELETE', '/theirs'],
  ] as const) {
    const denied = await tom.app.request(path, { method });
    assert.equal(denied.status, 403, `${method} ${path}`);
    assert.match(
      ((await denied.json()) as { error: { message: string } }).error.message,
      /tom may manage only the schedules it created; schedule "theirs" was created by olga/,
    );
  }
  assert.deepEqual(tom.calls, ['pause mine paused by tom']);
  const admin = setUp({ existing });
  assert.equal((await admin.app.request('/theirs', { method: 'DELETE' })).status, 200);
  assert.deepEqual(admin.calls, ['delete theirs']);
});
