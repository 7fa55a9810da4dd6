/**
 * Data-change watches on the real local stack: a watch on a CSV served by an external HTTP server (probed through
 * fetch-csv, which alone reaches that host with its token) starts exactly one run of its pipeline when the CSV
 * changes and none while it stays the same, also across a SIGKILLed orchestrator (the stack restarts it): the watch
 * neither starts a duplicate nor misses the change made while the orchestrator was down. A PostgreSQL table is
 * probed by ingest-postgres, a MinIO prefix by ingest (listing with its own S3 user, limited to its read prefixes).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { getRun, listRuns, waitForRun } from '../../cli/api/run-client.ts';
import { createWatch, deleteWatch, getWatch, listWatches, type WatchView } from '../../cli/api/watches-client.ts';
import { runIdFor } from '../../workflows/data-change-watch/version-id.ts';
import { batonSearchAttributes } from '../../workflows/search-attributes.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDataServer, type DataServer } from '../support/data-server.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { startTestStack, stopTestStack, watchdogPids, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

const WATCH = 'wine-csv-watch';
const FILE = 'data/wine.csv';
const FIRST = 'alcohol,label\n14.2,0\n13.2,1\n';
const SECOND = 'alcohol,label\n14.2,0\n13.2,1\n12.4,1\n';
const THIRD = 'alcohol,label\n14.2,0\n13.2,1\n12.4,1\n11.9,0\n';

let stack: TestStack | undefined;
let data: DataServer | undefined;
let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
let postgres: PostgresServer | undefined;

before(async () => {
  data = await startDataServer({ files: { [FILE]: FIRST } });
  postgres = await startPostgres();
  stack = await startTestStack({
    // Every function gets these: fetch-csv reads the base URL, ingest-postgres the database settings, the
    // orchestrator the watches' shortest interval.
    functionEnv: {
      RESOURCE_BASE_URL: data.url,
      ...postgres.env,
      PG_ALLOWED_TABLES: 'public.arrivals',
      BATON_WATCH_MIN_INTERVAL_SECONDS: '1',
    },
  });
  data.bearerToken = stack.secrets.csvSourceToken; // only fetch-csv holds it: a probe from elsewhere would get 401
  // Only ingest-postgres holds the password (the stack's generated secret): the orchestrator cannot log in.
  await postgres.setPassword((await readFile(join(stack.secrets.dir, 'postgres-password'), 'utf8')).trim());
  temporal = await connectTemporal(stack);
});
after(async () => {
  try {
    await temporal?.connection.close();
    await stopTestStack(stack);
  } finally {
    await data?.close();
    await postgres?.stop();
  }
});

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The watch once it has polled `more` times after `view` (or since it started). */
async function pollsPast(
  view: WatchView | undefined,
  more: number,
  timeoutMs = 60_000,
  watchId = view?.watchId ?? WATCH,
): Promise<WatchView> {
  const target = (view?.polls ?? 0) + more;
  return waitUntil(async () => {
    const now = await getWatch(stack!, watchId).catch(() => undefined); // the API may be restarting
    return now && now.polls >= target ? now : undefined;
  }, timeoutMs);
}

/** Ids of the runs the watch started, as Temporal lists them by BatonTrigger. */
async function watchRuns(): Promise<string[]> {
  const runs = await listRuns(stack!, { query: `${batonSearchAttributes.trigger.name} = 'data-change'` });
  return runs.map((run) => run.runId).sort();
}

test('a changed CSV starts exactly one run, an unchanged one none, also across an orchestrator restart', async () => {
  const created = await createWatch(stack!, {
    watchId: WATCH,
    pipeline: 'flaky-step',
    input: { failures: 0 },
    source: { kind: 'csv', path: FILE },
    interval: '1s',
  });
  assert.equal(created.watchId, WATCH);

  // Unchanged: the first version is the baseline; polls go on and start nothing.
  let view = await pollsPast(undefined, 4);
  assert.equal(view.lastVersion, sha256(FIRST), 'the data server sends no ETag: the version is the sha256');
  assert.equal(view.runsStarted, 0);
  assert.equal(view.lastRun, undefined);
  assert.equal(view.lastError, undefined);
  assert.ok(view.lastPollAt && Date.now() - Date.parse(view.lastPollAt) < 60_000);
  const probes = data!.requests.filter((request) => request.url === `/${FILE}`);
  assert.ok(probes.length >= 4, 'each poll asked the data server');
  assert.ok(
    probes.every((request) => request.authorization === `Bearer ${stack!.secrets.csvSourceToken}`),
    'through fetch-csv, with its token',
  );
  assert.deepEqual(await watchRuns(), []);
  assert.ok(
    (await listWatches(stack!)).some((watch) => watch.watchId === WATCH),
    'GET /watches lists it',
  );
  assert.ok(
    (await listRuns(stack!)).every((run) => !run.runId.startsWith('watch:')),
    'the watch itself is not a run',
  );

  // Changed: one run for the new version, whose id derives from the watch and the version.
  data!.files.set(FILE, SECOND);
  const secondRun = runIdFor(WATCH, sha256(SECOND));
  view = await waitUntil(async () => {
    const now = await getWatch(stack!, WATCH);
    return now.lastVersion === sha256(SECOND) ? now : undefined;
  }, 60_000);
  assert.equal(view.runsStarted, 1);
  assert.equal(view.lastRun?.workflowId, secondRun);
  const run = await waitForRun(stack!, secondRun, { timeoutMs: 120_000 });
  assert.equal(run.status, 'completed', JSON.stringify(run.error));
  assert.equal(run.pipeline, 'flaky-step');
  assert.deepEqual(run.input, { failures: 0 });
  const description = await temporal!.client.workflow.getHandle(secondRun).describe();
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.trigger), 'data-change');
  assert.deepEqual(description.memo?.startedBy, view.createdBy, "the watch's creator started the run");
  view = await pollsPast(view, 4);
  assert.equal(view.runsStarted, 1, 'the same version again starts nothing');
  assert.deepEqual(await watchRuns(), [secondRun]);

  // The orchestrator dies; the CSV changes while it is down; the stack starts it again.
  const killed = await watchdogPids(stack!, 'baton');
  assert.ok(killed.length > 0);
  for (const pid of killed) process.kill(pid, 'SIGKILL');
  data!.files.set(FILE, THIRD);
  const thirdRun = runIdFor(WATCH, sha256(THIRD));
  view = await waitUntil(async () => {
    const now = await getWatch(stack!, WATCH).catch(() => undefined);
    return now?.lastVersion === sha256(THIRD) ? now : undefined;
  }, 180_000);
  assert.ok(
    (await watchdogPids(stack!, 'baton')).every((pid) => !killed.includes(pid)),
    'a new orchestrator replica',
  );
  assert.equal(view.runsStarted, 2, 'the change made while it was down starts its run: not missed');
  assert.equal(view.lastRun?.workflowId, thirdRun);
  assert.equal((await waitForRun(stack!, thirdRun, { timeoutMs: 120_000 })).status, 'completed');
  view = await pollsPast(view, 4);
  assert.equal(view.runsStarted, 2, 'unchanged after the restart: nothing more');
  assert.deepEqual(await watchRuns(), [secondRun, thirdRun].sort(), 'no duplicate of either version');

  // Deleted: the watch stops polling; its runs stay.
  assert.deepEqual(await deleteWatch(stack!, WATCH), { watchId: WATCH, deleted: true });
  const stopped = await waitUntil(async () => {
    const now = await getWatch(stack!, WATCH);
    return now.status !== 'running' ? now : undefined;
  }, 30_000);
  assert.equal(stopped.status, 'cancelled');
  const requestsAfter = data!.requests.length;
  data!.files.set(FILE, FIRST);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(data!.requests.length, requestsAfter, 'a deleted watch probes no more');
  assert.equal((await getRun(stack!, secondRun)).status, 'completed');
  assert.ok(!(await listWatches(stack!)).some((watch) => watch.watchId === WATCH));
});

test('a PostgreSQL table, probed by ingest-postgres: new rows past the high-water mark start one run; a checksum watch sees an update', async () => {
  await postgres!.query('CREATE TABLE arrivals (id serial PRIMARY KEY, alcohol float8 NOT NULL)');
  await postgres!.query('INSERT INTO arrivals (alcohol) VALUES (14.2), (13.2)');
  await postgres!.query(`GRANT SELECT ON arrivals TO ${postgres!.env.PGUSER}`);
  const byMark = 'arrivals-by-id';
  const byChecksum = 'arrivals-by-checksum';
  for (const [watchId, source] of [
    [byMark, { kind: 'postgres', table: 'arrivals', highWaterMark: 'id' }],
    [byChecksum, { kind: 'postgres', table: 'arrivals' }],
  ] as const)
    await createWatch(stack!, { watchId, pipeline: 'flaky-step', input: { failures: 0 }, source, interval: '1s' });
  let mark = await pollsPast(undefined, 3, 60_000, byMark);
  let checksum = await pollsPast(undefined, 3, 60_000, byChecksum);
  assert.equal(mark.lastVersion, 'max:2', JSON.stringify(mark));
  assert.match(checksum.lastVersion ?? '', /^md5:[0-9a-f]{32};rows:2$/, JSON.stringify(checksum));
  assert.equal(mark.runsStarted + checksum.runsStarted, 0, 'the baselines start nothing');

  // An update changes no id: only the checksum watch sees it.
  await postgres!.query('UPDATE arrivals SET alcohol = 12.9 WHERE id = 2');
  checksum = await waitUntil(async () => {
    const now = await getWatch(stack!, byChecksum);
    return now.runsStarted > 0 ? now : undefined;
  }, 60_000);
  mark = await pollsPast(mark, 2);
  assert.equal(mark.runsStarted, 0, 'the high-water mark did not move');
  assert.equal(checksum.runsStarted, 1);

  // A new row moves the mark: one run for it.
  await postgres!.query('INSERT INTO arrivals (alcohol) VALUES (11.9)');
  mark = await waitUntil(async () => {
    const now = await getWatch(stack!, byMark);
    return now.lastVersion === 'max:3' ? now : undefined;
  }, 60_000);
  assert.equal(mark.runsStarted, 1);
  assert.equal(mark.lastRun?.workflowId, runIdFor(byMark, 'max:3'));
  assert.equal((await waitForRun(stack!, mark.lastRun!.workflowId, { timeoutMs: 120_000 })).status, 'completed');
  mark = await pollsPast(mark, 3);
  assert.equal(mark.runsStarted, 1, 'the same mark again starts nothing');
  for (const watchId of [byMark, byChecksum]) await deleteWatch(stack!, watchId);
});

test('a MinIO prefix, listed by ingest: an unchanged listing starts nothing, a new object exactly one run', async () => {
  const minio = rootMinioClient(stack!);
  const bucket = 'baton-artifacts';
  const put = (key: string, text: string) => minio.putObject(bucket, key, Buffer.from(text), Buffer.byteLength(text));
  const prefix = 'datasets/arrivals-drop/';
  // The version ingest answers: a sha256 of the sorted `key ETag size` lines (one part: the ETag is the md5).
  const versionOf = (objects: Record<string, string>) => {
    const lines = Object.entries(objects)
      .map(
        ([key, text]) =>
          `${prefix}${key}\t${createHash('md5').update(text).digest('hex')}\t${Buffer.byteLength(text)}\n`,
      )
      .sort();
    return `${sha256(lines.join(''))};objects:${lines.length}`;
  };
  await put(`${prefix}a.csv`, FIRST);
  const watchId = 'arrivals-prefix';
  await createWatch(stack!, {
    watchId,
    pipeline: 'flaky-step',
    input: { failures: 0 },
    source: { kind: 'minio-prefix', prefix },
    interval: '1s',
  });
  let view = await pollsPast(undefined, 3, 60_000, watchId);
  assert.equal(view.lastVersion, versionOf({ 'a.csv': FIRST }), JSON.stringify(view));
  assert.equal(view.lastError, undefined);
  // A neighbour whose key merely starts with the same letters is not under the prefix.
  await put('datasets/arrivals-drop-old/b.csv', SECOND);
  view = await pollsPast(view, 3);
  assert.equal(view.runsStarted, 0, 'the baseline and an unchanged listing start nothing');

  await put(`${prefix}b.csv`, SECOND);
  const expected = versionOf({ 'a.csv': FIRST, 'b.csv': SECOND });
  view = await waitUntil(async () => {
    const now = await getWatch(stack!, watchId);
    return now.lastVersion === expected ? now : undefined;
  }, 60_000);
  assert.equal(view.runsStarted, 1);
  const runId = runIdFor(watchId, expected);
  assert.equal(view.lastRun?.workflowId, runId);
  assert.equal((await waitForRun(stack!, runId, { timeoutMs: 120_000 })).status, 'completed');
  const run = await temporal!.client.workflow.getHandle(runId).describe();
  assert.equal(run.typedSearchAttributes.get(batonSearchAttributes.trigger), 'data-change');
  view = await pollsPast(view, 3);
  assert.equal(view.runsStarted, 1, 'the same listing again starts nothing');
  await deleteWatch(stack!, watchId);
});
