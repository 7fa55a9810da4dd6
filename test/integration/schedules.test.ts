/**
 * Schedules on the real local stack: a pipeline put on a 2-second interval through the trigger API is a real
 * Temporal Schedule that starts runs by itself; each run carries `BatonTrigger = 'schedule'` and the schedule's
 * creator as its starter; paused it starts none, triggered now it starts one anyway, deleted it starts none again.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { listRuns, waitForRun, ApiError } from '../../cli/api/run-client.ts';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  setSchedulePaused,
  triggerSchedule,
} from '../../cli/api/schedules-client.ts';
import { DEFAULT_TASK_QUEUE } from '../../functions/baton/defaults.ts';
import { batonSearchAttributes } from '../../workflows/search-attributes.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

const SCHEDULE = 'flaky-every-2s';

let stack: TestStack;
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
before(async () => {
  stack = await startTestStack();
  temporal = await connectTemporal(stack);
});
after(async () => {
  await temporal?.connection.close();
  await stopTestStack(stack);
});

/** Ids of the workflows Temporal says this schedule started (its own search attribute, not Baton's). */
async function startedBySchedule(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: `TemporalScheduledById = '${SCHEDULE}'` }))
    ids.push(execution.workflowId);
  return ids.sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a schedule fires runs marked as scheduled, pauses, is triggered now, and stops firing once deleted', async () => {
  const created = await createSchedule(stack, {
    scheduleId: SCHEDULE,
    pipeline: 'flaky-step',
    input: { failures: 0 },
    spec: { intervals: [{ every: '2s' }] },
    policy: { overlap: 'skip' },
  });
  assert.equal(created.scheduleId, SCHEDULE);
  assert.match(created.links.temporalUi ?? '', new RegExp(`/namespaces/default/schedules/${SCHEDULE}$`));

  // It fires by itself: its first run completes and is a run like any other, marked as started by the schedule.
  const first = await waitUntil(async () => (await getSchedule(stack, SCHEDULE)).recentActions[0], 30_000);
  assert.match(first.runId, new RegExp(`^${SCHEDULE}-\\d{4}-\\d\\d-\\d\\dT`));
  const run = await waitForRun(stack, first.runId, { timeoutMs: 60_000 });
  assert.equal(run.status, 'completed', JSON.stringify(run.error));
  assert.equal(run.pipeline, 'flaky-step');
  assert.deepEqual(run.input, { failures: 0 });
  const description = await temporal.client.workflow.getHandle(first.runId).describe();
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.trigger), 'schedule');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.pipeline), 'flaky-step');
  assert.equal(description.taskQueue, DEFAULT_TASK_QUEUE, "on the pipelines' task queue");
  const view = await getSchedule(stack, SCHEDULE);
  assert.ok(view.createdBy, 'the creator is recorded');
  assert.deepEqual(description.memo?.startedBy, view.createdBy, "the schedule's creator started the run");
  const scheduled = await listRuns(stack, { query: `${batonSearchAttributes.trigger.name} = 'schedule'` });
  assert.ok(
    scheduled.some((summary) => summary.runId === first.runId && summary.trigger === 'schedule'),
    'GET /runs finds it by BatonTrigger',
  );

  // A real Temporal Schedule, which is what the UI's Schedules page lists; and the API lists it too.
  const temporalView = await temporal.client.schedule.getHandle(SCHEDULE).describe();
  assert.equal(temporalView.action.workflowType, 'flakyStep');
  const listed = await waitUntil(
    async () => (await listSchedules(stack, { pipeline: 'flaky-step' })).find((s) => s.scheduleId === SCHEDULE),
    30_000,
  );
  assert.equal(listed.pipeline, 'flaky-step');

  // Paused with a note, it starts nothing.
  const paused = await setSchedulePaused(stack, SCHEDULE, true, 'integration test: pause');
  assert.equal(paused.paused, true);
  await sleep(1_000); // a run due at the moment of the pause may still start
  const whilePaused = await startedBySchedule(temporal.client);
  const pausedView = await getSchedule(stack, SCHEDULE);
  assert.deepEqual(pausedView.state, { paused: true, note: 'integration test: pause' });
  await sleep(5_000);
  assert.deepEqual(await startedBySchedule(temporal.client), whilePaused, 'no run starts while paused');

  // Triggered now, even paused, it starts one run, marked as scheduled too.
  const triggered = await triggerSchedule(stack, SCHEDULE);
  assert.equal(triggered.status, 'triggered');
  const afterTrigger = await waitUntil(async () => {
    const ids = await startedBySchedule(temporal.client);
    return ids.length > whilePaused.length ? ids : undefined;
  }, 30_000);
  assert.equal(afterTrigger.length, whilePaused.length + 1, 'exactly one run');
  const triggeredRun = afterTrigger.find((id) => !whilePaused.includes(id))!;
  assert.equal((await waitForRun(stack, triggeredRun, { timeoutMs: 60_000 })).status, 'completed');
  const triggeredDescription = await temporal.client.workflow.getHandle(triggeredRun).describe();
  assert.equal(triggeredDescription.typedSearchAttributes.get(batonSearchAttributes.trigger), 'schedule');

  // Unpaused it fires again; deleted it stops.
  await setSchedulePaused(stack, SCHEDULE, false);
  await waitUntil(async () => {
    const ids = await startedBySchedule(temporal.client);
    return ids.length > afterTrigger.length ? ids : undefined;
  }, 30_000);
  await deleteSchedule(stack, SCHEDULE);
  await sleep(1_000);
  const atDeletion = await startedBySchedule(temporal.client);
  await sleep(5_000);
  assert.deepEqual(await startedBySchedule(temporal.client), atDeletion, 'no run starts once deleted');
  await assert.rejects(getSchedule(stack, SCHEDULE), (error) => error instanceof ApiError && error.status === 404);
});

test('the API refuses a bad schedule with 400 naming the field and an unknown one with 404, creating nothing', async () => {
  await assert.rejects(
    createSchedule(stack, { pipeline: 'flaky-step', input: { failures: -1 }, spec: { intervals: [{ every: '2s' }] } }),
    (error) =>
      error instanceof ApiError && error.status === 400 && error.issues.some((i) => i.path === 'input.failures'),
  );
  await assert.rejects(
    createSchedule(stack, { pipeline: 'flaky-step', spec: { cron: ['61 * * * *'] } }),
    (error) => error instanceof ApiError && error.status === 400 && error.issues.some((i) => i.path === 'spec'),
    'a minute Temporal refuses',
  );
  for (const call of [
    () => getSchedule(stack, 'no-such-schedule'),
    () => setSchedulePaused(stack, 'no-such-schedule', true),
    () => triggerSchedule(stack, 'no-such-schedule'),
    () => deleteSchedule(stack, 'no-such-schedule'),
  ])
    await assert.rejects(call(), (error) => error instanceof ApiError && error.status === 404);
  const ids = [];
  for await (const schedule of temporal.client.schedule.list()) ids.push(schedule.scheduleId);
  assert.deepEqual(
    ids.filter((id) => id !== SCHEDULE),
    [],
    'no schedule was made by a refused request',
  );
});
