/**
 * Issue 12 (items 2 and 3) on the real stack: a model's promotion policy, set by an admin in the registry, holds a
 * run whose input asks for looser rules; the result and the memo name the policy version; and with
 * `approverMustNotBeStarter` the key that started the run cannot approve it while another approver's key can.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, decideApproval, triggerRun, waitForRun, type BatonApi } from '../../cli/api/run-client.ts';
import { createKey } from '../../cli/api/keys-client.ts';
import { getModelPolicy, setModelPolicy } from '../../cli/api/models-client.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

let stack: TestStack;

before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stopTestStack(stack);
});

interface PolicyResult {
  metrics: { accuracy: number };
  model: { version: string };
  promotion: {
    promoted: boolean;
    reasons: string[];
    approval?: { by?: string };
    policy: { version: number; notApplied?: string[] };
  };
}

const keyOf = async (name: string, roles: Parameters<typeof createKey>[2]): Promise<BatonApi> => ({
  gatewayUrl: stack.gatewayUrl,
  token: (await createKey(stack, name, roles)).key,
});

test("a run asking for looser rules is held to the model's policy; the result and memo name the policy version", async () => {
  const viewer = await keyOf('vera', ['viewer']);
  assert.equal(
    (await getModelPolicy(viewer, 'policy-held')).version,
    0,
    'no policy stored: the default policy, version 0',
  );
  await assert.rejects(
    setModelPolicy(viewer, 'policy-held', { rules: { minimum: 0 } }),
    (error: ApiError) => error.status === 403 && /needs the role "admin"/.test(error.message),
  );

  // breast_cancer's holdout never scores 1.0 with this model: a minimum of 1 cannot be met.
  const set = await setModelPolicy(stack, 'policy-held', {
    rules: { minimum: 1, mustBeatProduction: true },
    reason: 'only perfect models',
  });
  assert.deepEqual([set.version, set.changed, set.rules.minimum], [1, true, 1]);
  assert.equal((await getModelPolicy(viewer, 'policy-held')).version, 1);

  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: { modelName: 'policy-held', promotion: { minimum: 0, mustBeatProduction: false } },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const result = view.result as PolicyResult;
  assert.ok(result.metrics.accuracy < 1, `precondition: accuracy ${result.metrics.accuracy} is below 1`);
  assert.equal(result.promotion.promoted, false, result.promotion.reasons.join('; '));
  assert.match(result.promotion.reasons[0]!, /is below the minimum 1\.0000/);
  assert.equal(result.promotion.policy.version, 1);
  assert.ok(
    result.promotion.policy.notApplied?.some((note) =>
      /promotion\.minimum = 0 would loosen the model's policy \(version 1\)/.test(note),
    ),
    JSON.stringify(result.promotion.policy),
  );
  assert.ok(!view.steps.some((step) => step.name === 'promote-model' && step.status === 'completed'));

  const { client, connection } = await connectTemporal(stack);
  try {
    const memo = (await client.workflow.getHandle(run.runId).describe()).memo as {
      promotion?: { policyVersion?: number };
    };
    assert.equal(memo.promotion?.policyVersion, 1);
  } finally {
    await connection.close();
  }
});

test('with approverMustNotBeStarter the key that started the run cannot approve it; another approver can', async () => {
  await setModelPolicy(stack, 'policy-four-eyes', {
    rules: {
      minimum: 0.5,
      mustBeatProduction: false,
      approval: { required: true, timeout: '10m', approverMustNotBeStarter: true },
    },
    reason: 'four eyes',
  });
  const carol = await keyOf('carol', ['trigger', 'approver']);
  const alice = await keyOf('alice', ['approver']);
  const run = await triggerRun(carol, {
    pipeline: 'train-classifier',
    input: { modelName: 'policy-four-eyes', promotion: { approval: { approverMustNotBeStarter: false } } },
  });

  const refusal = await waitUntil(async () => {
    try {
      await decideApproval(carol, run.runId, { approved: true, reason: 'my own run' });
      return new Error('carol approved her own run');
    } catch (error) {
      if (error instanceof ApiError && /not waiting for an approval \(state: not-needed-yet\)/.test(error.message))
        return undefined;
      return error as Error;
    }
  }, 180_000);
  assert.ok(refusal instanceof ApiError && refusal.status === 403, String(refusal));
  assert.match(
    refusal.apiMessage,
    /policy of model "policy-four-eyes" requires an approver other than the one who started the run: carol started this run/,
  );

  const receipt = await decideApproval(alice, run.runId, { approved: true, reason: 'checked' });
  assert.deepEqual([receipt.approved, receipt.by], [true, 'alice']);
  const view = await waitForRun(stack, run.runId, { timeoutMs: 120_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const result = view.result as PolicyResult;
  assert.equal(result.promotion.promoted, true, result.promotion.reasons.join('; '));
  assert.equal(result.promotion.approval?.by, 'alice');
  assert.equal(result.promotion.policy.version, 1);
  assert.ok(
    result.promotion.policy.notApplied?.some((note) => /approverMustNotBeStarter = false would loosen/.test(note)),
  );
});
