/**
 * The watch workflow on a real Temporal dev server with a fake probe (the invoke activity) and a stand-in pipeline:
 * a baseline starts nothing, each new version starts exactly one run whose id derives from it, an unchanged
 * version none, a failed probe is recorded and the watch goes on, state survives continue-as-new, and a run Temporal
 * already has is not started twice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { InvokeFunctionRequest } from '../../activities/index.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { startWorkflowTestServer, type WorkflowTestServer } from '../../test/support/workflow-test-server.ts';
import { waitUntil } from '../../test/support/wait-until.ts';
import { watchStateQuery, type DataChangeWatchInput, type WatchState } from './state.ts';
import { runIdFor } from './version-id.ts';

const workflowsPath = fileURLToPath(new URL('../../test/support/watch-test-workflows.ts', import.meta.url));
let server: WorkflowTestServer;
before(async () => {
  server = await startWorkflowTestServer(workflowsPath);
});
after(async () => {
  await server?.stop();
});

/** A watch on a fake CSV whose version the test sets; every probe call recorded. */
async function withWatch(
  options: Partial<DataChangeWatchInput>,
  body: (watch: {
    handle: WorkflowHandle;
    client: Client;
    setVersion(version: string | Error): void;
    probes: InvokeFunctionRequest[];
    state(): Promise<WatchState>;
    pollsAfter(polls: number): Promise<WatchState>;
  }) => Promise<void>,
): Promise<void> {
  const taskQueue = `watch-${crypto.randomUUID()}`;
  let version: string | Error = 'sha256:aaa';
  const probes: InvokeFunctionRequest[] = [];
  const activities = {
    invokeFunction: async (call: InvokeFunctionRequest) => {
      probes.push(call);
      // Non-retryable: the poll fails at once instead of after the preset's retries.
      if (version instanceof Error) throw ApplicationFailure.nonRetryable(version.message);
      return { output: { version, basis: 'sha256', url: 'http://data/x.csv', objects: 1 } };
    },
    readModelPolicy: async () => ({}),
  };
  const worker = await Worker.create({ connection: server.nativeConnection, taskQueue, workflowsPath, activities });
  const client = server.client;
  const input: DataChangeWatchInput = {
    watchId: `w-${crypto.randomUUID().slice(0, 8)}`,
    source: { kind: 'csv', path: 'x.csv' },
    pipeline: { name: 'recording', workflowType: 'recordingPipeline', input: { dataset: 'x' } },
    intervalMs: 100,
    runOnFirstVersion: false,
    createdBy: { id: 'key-1', name: 'alice' },
    createdAt: '2026-12-07T00:00:00.000Z',
    ...options,
  };
  await worker.runUntil(async () => {
    const handle = await client.workflow.start('dataChangeWatch', {
      taskQueue,
      workflowId: `watch-${input.watchId}`,
      args: [input],
    });
    const state = () => handle.query(watchStateQuery);
    const pollsAfter = async (polls: number) => {
      let seen: WatchState | undefined;
      await waitUntil(async () => ((seen = await state()).polls >= polls ? true : undefined), 30_000);
      return seen!;
    };
    try {
      await body({ handle, client, setVersion: (v) => (version = v), probes, state, pollsAfter });
    } finally {
      await handle.cancel();
      await assert.rejects(handle.result(), /cancel/i, 'a deleted watch ends as cancelled');
    }
  });
}

async function runsOf(client: Client, watchId: string) {
  const ids: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType = 'recordingPipeline'` })) {
    if (run.workflowId.startsWith(`${watchId}-`)) ids.push(run.workflowId);
  }
  return ids;
}

test('the first version is the baseline; a new version starts exactly one run, an unchanged one none', async () => {
  await withWatch({}, async ({ handle, client, setVersion, probes, pollsAfter }) => {
    let state = await pollsAfter(3);
    assert.equal(state.lastVersion, 'sha256:aaa');
    assert.equal(state.runsStarted, 0, 'the baseline starts no run');
    assert.equal(state.lastRun, undefined);
    setVersion('sha256:bbb');
    const after = state.polls;
    state = await pollsAfter(after + 3);
    assert.equal(state.lastVersion, 'sha256:bbb');
    assert.equal(state.runsStarted, 1, 'one run for the new version, none for the polls that saw it again');
    const watchId = (await handle.describe()).workflowId.slice('watch-'.length);
    const runId = runIdFor(watchId, 'sha256:bbb');
    assert.equal(state.lastRun?.workflowId, runId);
    assert.equal(state.lastRun?.version, 'sha256:bbb');
    const run = client.workflow.getHandle(runId);
    assert.deepEqual(await run.result(), { dataset: 'x' }, "the run got the watch's pipeline input");
    const description = await run.describe();
    assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.trigger), 'data-change');
    assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.pipeline), 'recording');
    assert.deepEqual((description.memo as { startedBy: unknown }).startedBy, { id: 'key-1', name: 'alice' });
    assert.deepEqual(await runsOf(client, watchId), [runId]);
    // Each poll is its own activity (its own idempotency key), calling fetch-csv's probe.
    assert.ok(probes.every((call) => call.step === 'probe-csv' && call.function === 'fetch-csv'));
    assert.deepEqual(probes[0]!.input as object, { probe: true, path: 'x.csv' });
    const memo = (await handle.describe()).memo as { watch: { state: WatchState; pipeline: string } };
    assert.equal(memo.watch.pipeline, 'recording');
    assert.ok(memo.watch.state.polls >= after + 2, 'the memo follows the polls');
  });
});

test('runOnFirstVersion starts a run for the version the first poll sees', async () => {
  await withWatch({ runOnFirstVersion: true }, async ({ pollsAfter }) => {
    const state = await pollsAfter(2);
    assert.equal(state.runsStarted, 1);
    assert.equal(state.lastRun?.version, 'sha256:aaa');
  });
});

test("a MinIO prefix is probed by ingest's probe-prefix step, and a new version starts its run", async () => {
  const source = { kind: 'minio-prefix' as const, prefix: 'datasets/wine/' };
  await withWatch({ source }, async ({ setVersion, probes, pollsAfter }) => {
    const after = (await pollsAfter(2)).polls;
    setVersion('sha256:bbb;objects:2');
    const state = await pollsAfter(after + 2);
    assert.equal(state.runsStarted, 1);
    assert.equal(state.lastRun?.version, 'sha256:bbb;objects:2');
    assert.ok(probes.every((call) => call.step === 'probe-prefix' && call.function === 'ingest'));
    assert.deepEqual(probes[0]!.input as object, { probe: true, prefix: 'datasets/wine/' });
  });
});

test('a failed probe is recorded and the watch goes on; the change after it still starts its run', async () => {
  await withWatch({}, async ({ setVersion, pollsAfter }) => {
    let state = await pollsAfter(1);
    setVersion(new Error('data server down'));
    state = await pollsAfter(state.polls + 1);
    assert.match(state.lastError ?? '', /data server down/);
    assert.equal(state.lastVersion, 'sha256:aaa', 'a failed probe changes no version');
    setVersion('sha256:ccc');
    state = await pollsAfter(state.polls + 2);
    assert.equal(state.lastError, undefined);
    assert.equal(state.runsStarted, 1);
  });
});

test('state goes on through continue-as-new: no change started twice, none missed', async () => {
  await withWatch({ pollsPerRun: 2 }, async ({ handle, client, setVersion, pollsAfter }) => {
    const firstRun = (await handle.describe()).runId;
    let state = await pollsAfter(3);
    assert.notEqual((await client.workflow.getHandle(handle.workflowId).describe()).runId, firstRun);
    setVersion('sha256:ddd');
    state = await pollsAfter(state.polls + 5);
    assert.equal(state.runsStarted, 1);
    assert.equal(state.lastVersion, 'sha256:ddd');
    const watchId = handle.workflowId.slice('watch-'.length);
    assert.deepEqual(await runsOf(client, watchId), [runIdFor(watchId, 'sha256:ddd')]);
  });
});

test('a run Temporal already has for the version is not started again', async () => {
  const watchId = `w-dup-${crypto.randomUUID().slice(0, 6)}`;
  const runId = runIdFor(watchId, 'sha256:eee');
  await withWatch({ watchId, runOnFirstVersion: true }, async ({ client, setVersion, pollsAfter }) => {
    // Not reached by any worker of this queue: it stays running, holding the id.
    await client.workflow.start('recordingPipeline', { taskQueue: 'nobody-polls', workflowId: runId, args: [{}] });
    let state = await pollsAfter(1);
    setVersion('sha256:eee');
    state = await pollsAfter(state.polls + 2);
    assert.equal(state.lastVersion, 'sha256:eee');
    assert.equal(state.lastRun?.workflowId, runId);
    assert.equal(state.lastRun?.runId, undefined, 'the existing run was kept, not replaced');
    assert.equal(state.runsStarted, 1, 'only the first version started a run');
    await client.workflow.getHandle(runId).terminate('test over');
  });
});

test('the run id derives from the watch and the version only', () => {
  assert.equal(runIdFor('w', 'sha256:1'), runIdFor('w', 'sha256:1'));
  assert.notEqual(runIdFor('w', 'sha256:1'), runIdFor('w', 'sha256:2'));
  assert.notEqual(runIdFor('w', 'sha256:1'), runIdFor('v', 'sha256:1'));
  assert.match(runIdFor('w', 'etag:"é✓𝄞"'), /^w-[0-9a-f]{16}$/);
});
