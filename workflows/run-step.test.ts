import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { InvokeFunctionRequest } from '../activities/index.ts';
import { startWorkflowTestServer, type WorkflowTestServer } from '../test/support/workflow-test-server.ts';
import { runStepProbePipeline } from '../test/fixtures/workflows/run-step-probe.ts';
import { batonSearchAttributes } from './search-attributes.ts';
import { STEP_ATTRIBUTE_ON_CHANGE_PATCH } from './run-step.ts';

// A real dev server (as the local stack starts it) with fake step calls: the history is what Temporal keeps.
let server: WorkflowTestServer;
before(async () => {
  server = await startWorkflowTestServer(
    fileURLToPath(new URL('../test/fixtures/workflows/run-step-probe.ts', import.meta.url)),
  );
});
after(() => server?.stop());

test('BatonStep is written when the step changes; a local step runs as a marker, named by its call id', async () => {
  const calls: InvokeFunctionRequest[] = [];
  let handle: WorkflowHandle | undefined;
  const outcome = await server.run(
    runStepProbePipeline,
    {},
    async (call) => {
      calls.push(call);
      return { output: call.input };
    },
    { whileRunning: async (started) => void (handle = started) },
  );
  assert.equal(outcome.error, undefined);
  assert.deepEqual(outcome.result, [1, 2, 3, 4]);

  const history = await handle!.fetchHistory();
  const events = history.events ?? [];
  const written = events.flatMap((event) =>
    Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
  );
  // probe-repeated (once for its two calls) and probe-last; never the local step. The patch marks the run once.
  assert.deepEqual(written.filter((name) => name === 'BatonStep').length, 2, 'one BatonStep write per change of step');
  assert.ok(written.length <= 3, `at most the patch's own TemporalChangeVersion besides: ${written.join(', ')}`);
  assert.equal(outcome.description.typedSearchAttributes.get(batonSearchAttributes.step), 'probe-last');

  const scheduled = events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityId ?? []);
  assert.deepEqual(scheduled, ['probe-repeated#1', 'probe-repeated#2', 'probe-last']);
  const markers = events.flatMap((event) => event.markerRecordedEventAttributes?.markerName ?? []);
  assert.ok(markers.includes('core_local_activity'), `a local activity marker among ${markers.join(', ')}`);
  assert.ok(markers.includes('core_patch'), `the ${STEP_ATTRIBUTE_ON_CHANGE_PATCH} patch marker`);

  const local = calls.find((call) => call.step === 'probe-local');
  assert.equal(local?.callId, 'probe-local#1', 'the local call carries its call id');
  assert.equal(
    calls.filter((call) => call.callId !== undefined).length,
    1,
    'only the local call needs a call id (the others have their activity id)',
  );
});
