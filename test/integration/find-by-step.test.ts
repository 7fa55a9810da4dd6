/**
 * "Which runs are in step X", as users and the scaler ask it: a run waiting in a step is found by
 * `BatonStep = '<step>'` in Temporal's visibility through the trigger API (`GET /runs?query=`), the CLI
 * (`baton runs list --where`) and the scaler's count of pending calls per step; a query for another step misses it,
 * and once the run has stopped the scaler counts it no more. Real stack: Temporal dev server, gateway, watchdog.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { cancelRun, listRuns, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { countPendingCalls } from '../../scaler/activities/pending-calls.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

/** The orchestrator's task queue (BATON_TASK_QUEUE in deploy/env/temporal.yml). */
const TASK_QUEUE = 'baton-pipelines';

let stack: TestStack;
let connection: Connection | undefined;
before(async () => {
  stack = await startTestStack();
  connection = await Connection.connect({ address: stack.temporalAddress });
});
after(async () => {
  await connection?.close();
  await stopTestStack(stack);
});

test('a run waiting in a step is found by BatonStep through the API, the CLI and the scaler', async () => {
  const { runId } = await triggerRun(stack, { pipeline: 'slow-step', input: { seconds: 60 } });
  // Visibility is updated after the workflow task that writes BatonStep: eventually, not at once.
  const inSlow = "BatonStep = 'slow'";
  await waitUntil(async () => {
    const runs = await listRuns(stack, { query: inSlow });
    return runs.some((run) => run.runId === runId) ? true : undefined;
  }, 30_000);

  const cli = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'cli/baton.ts', 'runs', 'list', '--where', inSlow, '--json'],
    { cwd: repoRoot, env: { ...process.env, BATON_GATEWAY_URL: stack.gatewayUrl, BATON_TOKEN: stack.token } },
  );
  const listed = JSON.parse(cli.stdout) as { runId: string }[];
  assert.ok(
    listed.some((run) => run.runId === runId),
    `baton runs list --where "${inSlow}" lists ${runId}: ${cli.stdout}`,
  );

  const elsewhere = await listRuns(stack, { query: "BatonStep = 'flaky'" });
  assert.equal(
    elsewhere.some((run) => run.runId === runId),
    false,
    'a query for another step does not find it',
  );

  const client = new Client({ connection: connection! });
  assert.ok((await countPendingCalls(client, TASK_QUEUE, ['slow'])) >= 1, 'the scaler counts its pending call');

  await cancelRun(stack, runId);
  assert.equal((await waitForRun(stack, runId, { timeoutMs: 30_000 })).status, 'cancelled');
  await waitUntil(
    async () => ((await countPendingCalls(client, TASK_QUEUE, ['slow'])) === 0 ? true : undefined),
    30_000,
  );
});
