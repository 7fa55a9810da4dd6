import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureType } from '#baton-contract';
import {
  memoryRegistryStore,
  ModelNotFoundError,
  ModelRegistry,
  POLICY_HISTORY_LIMIT,
  RegistryDocumentError,
} from './index.ts';
import { createReadModelPolicy } from '../activities/read-model-policy.ts';
import { ApplicationFailure } from '@temporalio/common';

function setUp() {
  const store = memoryRegistryStore();
  let tick = 0;
  const registry = new ModelRegistry(store, { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
  return { store, registry };
}

const defaults = {
  enabled: true,
  metric: 'accuracy',
  minimum: 0.8,
  mustBeatProduction: true,
  allowBreakingSignature: false,
  approval: { required: false, timeout: '1h', approverMustNotBeStarter: false },
};

test('without a stored policy a model has the default policy, version 0 (also before its first version exists)', async () => {
  const { registry } = setUp();
  assert.deepEqual(await registry.getPolicy('iris'), { name: 'iris', stored: false, version: 0, rules: defaults });
});

test('each change is the next version, records who, when and why, and keeps the earlier versions', async () => {
  const { store, registry } = setUp();
  const first = await registry.setPolicy('iris', { minimum: 0.9 }, { by: 'admin', reason: 'launch' });
  assert.equal(first.changed, true);
  assert.deepEqual(first.policy, {
    name: 'iris',
    stored: true,
    version: 1,
    rules: { ...defaults, minimum: 0.9 },
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'admin',
    reason: 'launch',
    history: [],
  });
  const second = await registry.setPolicy(
    'iris',
    { minimum: 0.95, approval: { required: true, approverMustNotBeStarter: true } },
    { by: 'bob' },
  );
  assert.equal(second.policy.version, 2);
  assert.deepEqual(second.policy.rules, {
    ...defaults,
    minimum: 0.95,
    approval: { required: true, timeout: '1h', approverMustNotBeStarter: true },
  });
  assert.deepEqual((second.policy as { history: unknown[] }).history, [
    {
      version: 1,
      rules: { ...defaults, minimum: 0.9 },
      updatedAt: '2026-01-01T00:00:00.000Z',
      updatedBy: 'admin',
      reason: 'launch',
    },
  ]);
  assert.deepEqual(await registry.getPolicy('iris'), second.policy);
  assert.ok(store.objects.has('models/iris/policy.json'));
  // The same rules again (a retried request) add no version.
  const writes = store.writes.length;
  const again = await registry.setPolicy(
    'iris',
    { minimum: 0.95, approval: { required: true, approverMustNotBeStarter: true } },
    { by: 'bob' },
  );
  assert.equal(again.changed, false);
  assert.equal(again.policy.version, 2);
  assert.equal(store.writes.length, writes);
});

test('the history keeps the last versions only', async () => {
  const { registry } = setUp();
  for (let index = 0; index <= POLICY_HISTORY_LIMIT + 1; index++)
    await registry.setPolicy('iris', { minimum: index / 1000 }, { by: 'admin' });
  const policy = await registry.getPolicy('iris');
  assert.equal(policy.version, POLICY_HISTORY_LIMIT + 2);
  const history = (policy as { history: { version: number }[] }).history;
  assert.equal(history.length, POLICY_HISTORY_LIMIT);
  assert.equal(history[0]!.version, 2);
});

test('a policy document with an unknown rule or a bad value fails naming the key and field; bad names are no model', async () => {
  const { store, registry } = setUp();
  await registry.setPolicy('iris', {}, { by: 'admin' });
  const stored = JSON.parse(store.objects.get('models/iris/policy.json')!.toString('utf8')) as {
    rules: Record<string, unknown>;
  };
  store.objects.set(
    'models/iris/policy.json',
    Buffer.from(JSON.stringify({ ...stored, rules: { ...stored.rules, minimum: 2, laxer: true } })),
  );
  await assert.rejects(
    registry.getPolicy('iris'),
    (error: Error) =>
      error instanceof RegistryDocumentError &&
      /models\/iris\/policy\.json is invalid: .*rules\.minimum/.test(error.message) &&
      /laxer/.test(error.message),
  );
  // The pipeline's activity fails for good on it, rather than promote by rules it cannot read.
  const readModelPolicy = createReadModelPolicy({ modelPolicies: () => registry });
  await assert.rejects(
    readModelPolicy({ modelName: 'iris' }),
    (error: Error) =>
      error instanceof ApplicationFailure && error.nonRetryable && error.type === FailureType.ModelPolicyInvalid,
  );
  // An admin replaces the broken policy; the broken rules stay in the history as they were.
  const fixed = await registry.setPolicy('iris', { minimum: 0.9 }, { by: 'admin', reason: 'fix' });
  assert.equal(fixed.policy.version, 2);
  assert.equal((await registry.getPolicy('iris')).rules.minimum, 0.9);
  assert.equal((fixed.policy as { history: { rules: { laxer?: boolean } }[] }).history[0]!.rules.laxer, true);
  await assert.rejects(registry.getPolicy('../system'), ModelNotFoundError);
  await assert.rejects(registry.setPolicy('Iris', {}, { by: 'admin' }), ModelNotFoundError);
});

test('the activity answers the version and rules in force', async () => {
  const { registry } = setUp();
  const readModelPolicy = createReadModelPolicy({ modelPolicies: () => registry });
  assert.deepEqual(await readModelPolicy({ modelName: 'iris' }), { version: 0, rules: defaults });
  await registry.setPolicy('iris', { mustBeatProduction: false }, { by: 'admin' });
  assert.deepEqual(await readModelPolicy({ modelName: 'iris' }), {
    version: 1,
    rules: { ...defaults, mustBeatProduction: false },
  });
});
