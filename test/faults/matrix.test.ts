/**
 * The fault matrix (`npm run test:faults`): while a steady stream of demo and resumable runs goes through the trigger
 * API, every kind of process of the stack — MinIO, Temporal, the supervisor with its gateway, the orchestrator and
 * each step function's replica — is SIGKILLed at seeded random moments, BATON_FAULT_ROUNDS times each (default 10).
 * Afterwards every accepted run has closed (completed, or failed with a message), no effect happened twice, dataset
 * versions match their schema.json, production pointers agree with stage.json, and no process is left behind.
 * Replay a failure with the seed it printed: `BATON_FAULT_SEED=<seed> npm run test:faults`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFiles } from '../../deploy/local/pid-files.ts';
import { Bucket } from './bucket.ts';
import { checkInvariants, violationCount } from './invariants.ts';
import { killOrder } from './kill.ts';
import { runKillSchedule } from './kill-schedule.ts';
import { processesOf } from './leftovers.ts';
import { LoadGenerator } from './load.ts';
import { faultSeed, prng } from './prng.ts';
import { prebuiltWorkflowEnv } from './prebuilt-workflows.ts';
import { fixedPorts, StackChild } from './stack-child.ts';
import { summaryLines } from './summary.ts';

const ROUNDS = Number(process.env.BATON_FAULT_ROUNDS ?? 10);
/** How long the runs in flight at the end may take to close: retries after the last kills back off for a while. */
const DRAIN_MS = 240_000;
const log = (line: string) => console.log(`[faults] ${line}`);

test(`every process killed ${ROUNDS} times under a stream of runs: nothing lost, nothing twice`, async (t) => {
  const seed = faultSeed();
  log(`seed ${seed} (replay: BATON_FAULT_SEED=${seed} npm run test:faults)`);
  const random = prng(seed);
  const started = Date.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-faults-'));
  const running: { stack?: StackChild } = {};
  t.after(async () => {
    await running.stack?.stop();
    await new PidFiles(join(dataDir, 'run'), { stackMarker: `BATON_STACK=${dataDir}` }).stopLeftovers(); // only after a failure: stop() stopped everything
    await rm(dataDir, { recursive: true, force: true });
  });
  const stack = await StackChild.start(
    dataDir,
    await fixedPorts(),
    log,
    await prebuiltWorkflowEnv(join(dataDir, 'bundles')),
  );
  running.stack = stack;
  log(`stack up in ${((Date.now() - started) / 1000).toFixed(0)} s on ${dataDir}`);

  const load = new LoadGenerator({
    api: stack.api,
    prefix: `fm${seed.toString(36)}`,
    demoSlots: 3,
    resumableSlots: 2,
    log,
  });
  load.start();
  const order = killOrder(ROUNDS, random);
  log(`kill order: ${order.join(' ')}`);
  const kills = await runKillSchedule(stack, order, { gapMs: [300, 2_000], random, log });
  log(`kills done after ${((Date.now() - started) / 1000).toFixed(0)} s; draining the runs in flight`);
  await load.drain(DRAIN_MS);

  const report = await checkInvariants(load.runs, new Bucket(stack.minioUrl, stack.secrets));
  for (const line of summaryLines(kills, load.runs, report)) log(line);
  await stack.stop();
  const left = await processesOf(dataDir);
  log(`wall time ${((Date.now() - started) / 1000).toFixed(0)} s; processes left behind: ${left.length}`);

  assert.deepEqual(left, [], 'no process of the stack outlives it');
  assert.deepEqual(load.refused, [], 'the API refused no trigger');
  for (const kind of new Set(order))
    assert.ok(
      kills.filter((kill) => kill.kind === kind && kill.pid).length >= ROUNDS,
      `${kind} was killed ${ROUNDS} times`,
    );
  assert.ok(load.runs.length > 0, 'runs were accepted');
  assert.equal(violationCount(report), 0, JSON.stringify(report, null, 2));
});
