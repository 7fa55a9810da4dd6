/**
 * The orchestrator scales as a function, on the real stack: 200 short runs with one orchestrator replica make the
 * scaler raise the replicas (within the max label) and the step function's too, the backlog drains with every
 * run completed exactly once (one marker artifact per run: a lost run leaves one missing, a duplicated step
 * cannot add one because a retry overwrites its key — and the runs' own statuses are counted), a SIGKILLed
 * replica during the drain loses nothing, and the replicas return to min. Then a replica scaled down in the
 * middle of runs hands its work over gracefully (SIGTERM, exit 0) and nothing is lost.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { childPids } from '../../bench/support/procfs.ts';
import { startScalingStack } from '../support/scaling-stack.ts';
import { stopTestStack, type TestStack } from '../support/test-stack.ts';
import {
  countRuns,
  markerKeys,
  peakReplicas,
  startRuns,
  waitForReplicas,
  waitForRuns,
  watchReplicas,
} from '../support/scaling-load.ts';
import { connectTemporal } from '../support/temporal-client.ts';

const RUNS = 200;
const COOL_DOWN_S = 8;
let stack: TestStack;
let client: Client;
let connection: Connection;

before(async () => {
  stack = await startScalingStack({
    batonEnv: {
      BATON_SCALER_INTERVAL_SECONDS: '1',
      BATON_SCALER_TARGET: '4',
      BATON_SCALER_COOLDOWN_SECONDS: String(COOL_DOWN_S),
      // Small per-replica limits, so one replica cannot take the whole backlog and more replicas drain it faster.
      BATON_MAX_CONCURRENT_ACTIVITIES: '4',
      BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
    },
    batonMax: 3,
    workMaxInflight: 8,
    workMax: 2,
  });
  ({ client, connection } = await connectTemporal(stack));
});

after(async () => {
  await connection?.close();
  await stopTestStack(stack);
});

const scale = async (fn: string, replicas: number) => {
  const auth = Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64');
  const response = await fetch(`${stack.gatewayUrl}/system/scale-function/${fn}`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify({ serviceName: fn, replicas }),
  });
  assert.equal(response.status, 202);
};

test(`${RUNS} runs: the scaler raises replicas within max, the backlog drains exactly once despite a SIGKILLed replica, replicas return to min`, async () => {
  const watcher = watchReplicas(stack);
  // Decisions as they are logged: the log store keeps only a function's last lines, and a busy drain may push the
  // early scale-up out of them.
  const decisionLines: string[] = [];
  const unsubscribe = stack.gateway.supervisor.logs.subscribe('baton', (line) => {
    if (line.text.includes('"baton-scaler decision"')) decisionLines.push(line.text);
  });
  const startedAt = Date.now();
  const ids = await startRuns(client, 'drain', RUNS, 800);

  const reactionMs = await waitForReplicas(
    stack,
    (r) => (r.baton ?? 0) >= 2,
    60_000,
    'the scaler scales the orchestrator up',
  );
  console.log(
    `orchestrator scaled up ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the first start (${reactionMs} ms after the last)`,
  );

  // Kill -9 the busy orchestrator replica (watchdog and wrapper: its whole process group) while the backlog
  // drains: its workflow and activity tasks must be redelivered to the replicas the scaler just added.
  const victim = stack.gateway.supervisor.replicas('baton').find((r) => r.state === 'ready' && r.pid !== undefined)!;
  assert.ok((await countRuns(client, 'drain', 'Running')) > 0, 'the kill happens during the drain');
  process.kill(-victim.pid!, 'SIGKILL');

  const { statuses, lastCloseAt } = await waitForRuns(client, ids, 240_000);
  console.log(`${RUNS} runs drained in ${((lastCloseAt - startedAt) / 1000).toFixed(1)} s`);
  assert.deepEqual(statuses, { COMPLETED: RUNS }, 'every run completed');
  const markers = await markerKeys(stack, 'drain');
  assert.deepEqual(
    markers,
    ids.map((id) => `runs/${id}/scaling-work/done.json`),
    'exactly one marker artifact per run',
  );

  // Back to min once the load has been gone for the cool-down.
  await waitForReplicas(
    stack,
    (r) => r.baton === 1 && r['scaling-work'] === 1,
    (COOL_DOWN_S + 60) * 1000,
    'replicas return to min',
  );
  const samples = await watcher.stop();
  const peak = { baton: peakReplicas(samples, 'baton'), work: peakReplicas(samples, 'scaling-work') };
  console.log(`peak replicas: baton ${peak.baton}, scaling-work ${peak.work}`);
  assert.ok(peak.baton >= 2 && peak.baton <= 3, `orchestrator replicas within its labels: peak ${peak.baton}`);
  assert.equal(peak.work, 2, 'the step function (max_inflight 8) is scaled on its pending calls, up to its max label');
  assert.equal((await client.workflow.count(`BatonTrigger = 'drain' AND ExecutionStatus = 'Completed'`)).count, RUNS);

  // Decisions are logged with their inputs, and recorded in the scaler's history.
  unsubscribe();
  const decisions = decisionLines.map((text) => JSON.parse(text) as Record<string, unknown>);
  const up = decisions.find((d) => d.function === 'baton' && (d.to as number) > (d.from as number));
  assert.ok(up, 'a logged scale-up decision');
  assert.equal(up.reason, 'load');
  const inputs = up.inputs as { workflowBacklog: number; activityBacklog: number };
  assert.ok(
    inputs.workflowBacklog + inputs.activityBacklog > 0,
    `the decision shows the backlog it saw: ${JSON.stringify(up)}`,
  );
  assert.ok(
    decisions.some((d) => d.function === 'baton' && (d.to as number) < (d.from as number)),
    'a logged scale-down decision',
  );
  const history = await client.workflow.getHandle('baton-scaler').fetchHistory();
  assert.ok(
    history.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyScaling'),
    'applyScaling in the scaler history',
  );
});

test('a replica scaled down in the middle of runs hands its work over: SIGTERM, exit 0, every run completes once', async () => {
  // Scale by hand: the scaler would otherwise move replicas too.
  await client.workflow.getHandle('baton-scaler').terminate('the hand-over test scales by hand');
  await scale('baton', 3);
  await scale('scaling-work', 2); // room for every call of three orchestrator replicas: no 429 retries to blur the picture
  await waitForReplicas(
    stack,
    () => stack.gateway.supervisor.replicas('baton').filter((r) => r.state === 'ready').length === 3,
    90_000,
    'three ready orchestrator replicas',
  );
  // A worker's identity is `<pid>@<host>` of the orchestrator process (the watchdog's child).
  const identities = new Map(
    stack.gateway.supervisor.replicas('baton').map((r) => [r.id, `${childPids(r.pid!)[0]}@${hostname()}`]),
  );

  const ids = await startRuns(client, 'handover', 30, 4000);
  // Scale down only once every replica holds a running step: the retiring ones then surely have work to hand over.
  const deadline = Date.now() + 30_000;
  for (
    let busy = await busyIdentities(ids);
    ![...identities.values()].every((identity) => busy.has(identity));
    busy = await busyIdentities(ids)
  ) {
    if (Date.now() > deadline)
      throw new Error(
        `not every orchestrator replica took a step within 30 s: busy ${[...busy].join(', ')} of ${[...identities.values()].join(', ')}`,
      );
  }
  const scaledDownAt = Date.now();
  await scale('baton', 1);
  const kept = stack.gateway.supervisor.replicas('baton').map((r) => r.id);
  const retired = [...identities.keys()].filter((id) => !kept.includes(id));
  assert.equal(retired.length, 2);

  const { statuses } = await waitForRuns(client, ids, 180_000);
  assert.deepEqual(statuses, { COMPLETED: 30 });
  assert.deepEqual(
    await markerKeys(stack, 'handover'),
    ids.map((id) => `runs/${id}/scaling-work/done.json`),
  );
  // Hand-over, not abandonment: steps the retiring replicas held when SIGTERM came were finished by them
  // within the shutdown grace (without it they would be cancelled and retried elsewhere).
  const retiredIdentities = new Set(retired.map((id) => identities.get(id)));
  let finishedAfterSigterm = 0;
  for (const id of ids) {
    for (const event of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const completed = event.activityTaskCompletedEventAttributes;
      const at = Number(String(event.eventTime?.seconds ?? 0)) * 1000;
      if (completed && retiredIdentities.has(completed.identity ?? '') && at >= scaledDownAt) finishedAfterSigterm++;
    }
  }
  assert.ok(finishedAfterSigterm > 0, 'the retiring replicas completed the steps they held after SIGTERM');
  for (const id of retired) {
    const lines = stack.gateway.supervisor.logs
      .query({ name: 'baton', tail: 100_000 })
      .filter((line) => line.instance === id)
      .map((line) => line.text);
    assert.ok(
      lines.some((text) => text.includes('scaled down: SIGTERM')),
      `${id} was asked to stop: ${lines.slice(-5).join(' | ')}`,
    );
    // The stand-in watchdog logs how its function process ended: the orchestrator closed itself, it was not killed.
    await waitFor(
      () =>
        stack.gateway.supervisor.logs
          .query({ name: 'baton', tail: 100_000 })
          .some((line) => line.instance === id && /function process: exit status 0/.test(line.text)),
      30_000,
      `${id} exits 0`,
    );
  }
});

/** The worker identities running a step of the runs `ids` now, from their pending activities. */
async function busyIdentities(ids: readonly string[]): Promise<Set<string>> {
  const busy = new Set<string>();
  const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
  await Promise.all(
    ids.map(async (id) => {
      for (const pending of (await client.workflow.getHandle(id).describe()).raw.pendingActivities ?? []) {
        if (pending.state === STARTED && pending.lastWorkerIdentity) busy.add(pending.lastWorkerIdentity);
      }
    }),
  );
  return busy;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
