import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ArtifactRef } from '#baton-contract';
import { everyoneIs } from '../auth/testing.ts';
import { createApi } from './app.ts';
import { answerError } from './trigger-api-error.ts';
import { findReport, REPORT_CSP, reportRoutes, type ReportStore } from './report-routes.ts';

const page = Buffer.from('<!doctype html><title>run r1</title><svg></svg>');
const ref: ArtifactRef = {
  uri: 's3://baton-artifacts/runs/r1/report/report.html',
  sha256: createHash('sha256').update(page).digest('hex'),
  size: page.length,
};
const other: ArtifactRef = {
  uri: 's3://baton-artifacts/runs/r1/evaluate/report.json',
  sha256: 'c'.repeat(64),
  size: 10,
};

/** A history: ingest and evaluate (whose output also holds a `report`), then — when asked — the report step. */
function history(options: { reportDone?: boolean; reportRef?: ArtifactRef } = {}) {
  const payload = (value: unknown) => ({ payloads: [defaultPayloadConverter.toPayload(value)] });
  const events: Record<string, unknown>[] = [
    { eventId: 5, activityTaskScheduledEventAttributes: { activityId: 'ingest' } },
    {
      eventId: 7,
      activityTaskCompletedEventAttributes: { scheduledEventId: 5, result: payload({ output: { dataset: {} } }) },
    },
    { eventId: 11, activityTaskScheduledEventAttributes: { activityId: 'evaluate' } },
    {
      eventId: 13,
      activityTaskCompletedEventAttributes: { scheduledEventId: 11, result: payload({ output: { report: other } }) },
    },
  ];
  if (options.reportDone !== undefined)
    events.push({ eventId: 17, activityTaskScheduledEventAttributes: { activityId: 'report' } });
  if (options.reportDone)
    events.push({
      eventId: 19,
      activityTaskCompletedEventAttributes: {
        scheduledEventId: 17,
        result: payload({ output: { report: options.reportRef ?? ref }, metrics: { reportBytes: 1 } }),
      },
    });
  return events;
}

/** The route over a fake Temporal client (runs by id) and a fake store (objects by uri); records store reads. */
function setUp(
  runs: Record<string, { status: string; events: Record<string, unknown>[] }>,
  objects: Record<string, Buffer> = { [ref.uri]: page },
) {
  const reads: string[] = [];
  const client = {
    options: { loadedDataConverter: { payloadCodecs: [] } },
    workflow: {
      getHandle: (id: string) => ({
        async describe() {
          const run = runs[id];
          if (!run) throw new WorkflowNotFoundError(`workflow not found for ID: ${id}`, id, undefined);
          return { status: { name: run.status } };
        },
        async fetchHistory() {
          return { events: runs[id]!.events };
        },
      }),
    },
  } as unknown as Client;
  const store: ReportStore = {
    async getStream(wanted) {
      reads.push(wanted.uri);
      const bytes = objects[wanted.uri];
      if (!bytes) throw Object.assign(new Error('The specified key does not exist.'), { code: 'NoSuchKey' });
      // Like the real store: the stream fails instead of ending when the bytes are not the referenced ones.
      const hash = createHash('sha256');
      return Readable.from([bytes]).pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            done(null, chunk);
          },
          flush(done) {
            done(hash.digest('hex') === wanted.sha256 ? null : new Error('artifact does not match its reference'));
          },
        }),
      );
    },
  };
  const app = reportRoutes({ client, store: () => store }).onError(answerError);
  return { reads, get: (path: string) => app.request(path) };
}

test("a finished run's report is streamed as HTML from the reference its report step returned", async () => {
  const { get, reads } = setUp({ r1: { status: 'COMPLETED', events: history({ reportDone: true }) } });
  const response = await get('/r1/report');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(response.headers.get('content-length'), String(page.length));
  assert.equal(response.headers.get('content-security-policy'), REPORT_CSP);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await response.text(), page.toString());
  assert.deepEqual(reads, [ref.uri], 'only the report step\'s reference is read, not another step\'s "report"');
});

test('no report yet, no report at all, or no such run: 404 with a JSON error saying which', async () => {
  const { get, reads } = setUp({
    running: { status: 'RUNNING', events: history({ reportDone: false }) },
    old: { status: 'COMPLETED', events: history() },
    failed: { status: 'FAILED', events: history() },
  });
  const cases: [string, RegExp, Record<string, unknown>][] = [
    [
      '/running/report',
      /run "running" has no report yet: it is still running/,
      { runId: 'running', status: 'running' },
    ],
    [
      '/old/report',
      /run "old" has no report: it ended completed without a completed "report" step/,
      { runId: 'old', status: 'completed' },
    ],
    ['/failed/report', /run "failed" has no report: it ended failed/, { runId: 'failed', status: 'failed' }],
    ['/nope/report', /no run "nope"/, {}],
  ];
  for (const [path, message, extra] of cases) {
    const response = await get(path);
    assert.equal(response.status, 404, path);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.match(String(body.error.message), message);
    for (const [key, value] of Object.entries(extra)) assert.equal(body.error[key], value, `${path}: ${key}`);
  }
  assert.deepEqual(reads, [], 'the store is not asked when the history names no report');
});

test('a report whose object is gone is a 404, not a 500', async () => {
  const { get } = setUp({ r1: { status: 'COMPLETED', events: history({ reportDone: true }) } }, {});
  const response = await get('/r1/report');
  assert.equal(response.status, 404);
  assert.match(
    ((await response.json()) as { error: { message: string } }).error.message,
    /is no longer in the artifact store/,
  );
});

test("a retried report step: the last completed attempt's reference wins; malformed outputs are ignored", () => {
  const newer = { ...ref, sha256: 'd'.repeat(64) };
  const call = (scheduledId: number, output: unknown) => [
    { eventId: scheduledId, activityTaskScheduledEventAttributes: { activityId: 'report' } },
    {
      eventId: scheduledId + 1,
      activityTaskCompletedEventAttributes: {
        scheduledEventId: scheduledId,
        result: { payloads: [defaultPayloadConverter.toPayload(output)] },
      },
    },
  ];
  const events = (list: Record<string, unknown>[]) => list as unknown as Parameters<typeof findReport>[0];
  assert.deepEqual(
    findReport(events([...call(1, { output: { report: ref } }), ...call(5, { output: { report: newer } })])),
    newer,
  );
  assert.equal(findReport(events(call(1, { output: { report: { uri: 'not-s3' } } }))), undefined);
  assert.equal(findReport([]), undefined);
});

test('the trigger API serves the route under /runs beside the runs routes', async () => {
  const client = {
    options: { loadedDataConverter: { payloadCodecs: [] } },
    workflow: {
      getHandle: (id: string) => ({
        describe: async () => {
          throw new WorkflowNotFoundError('not found', id, undefined);
        },
      }),
    },
  } as unknown as Client;
  const api = createApi({
    client,
    taskQueue: 'q',
    namespace: 'default',
    pipelines: [],
    steps: new Map(),
    callbackKey: 'k',
    signingKey: 's',
    publicUrl: 'http://gw/function/baton',
    temporalUiUrl: undefined,
    health: () => ({}),
    ...everyoneIs(),
  });
  const response = await api.request('/runs/nope/report');
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: { message: 'no run "nope"' } });
});
