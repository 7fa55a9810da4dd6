import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clamp,
  decideReplicas,
  wantedReplicas,
  type FunctionLoad,
  type FunctionScalingMemory,
  type ScalingPolicy,
} from './scaling-policy.ts';

const policy: ScalingPolicy = { coolDownMs: 60_000, maxStepUp: 0 };
const fn = (over: Partial<FunctionLoad> = {}): FunctionLoad => ({
  name: 'baton',
  replicas: 1,
  minReplicas: 1,
  maxReplicas: 4,
  targetPerReplica: 10,
  load: 0,
  ...over,
});

/** Runs ticks of `[at ms, load, replicas before]` through the policy; returns each decision's `to`. */
function ticks(
  steps: [number, number, number][],
  p: ScalingPolicy = policy,
  base: Partial<FunctionLoad> = {},
): number[] {
  let memory: FunctionScalingMemory | undefined;
  return steps.map(([at, load, replicas]) => {
    const result = decideReplicas(p, fn({ ...base, load, replicas }), memory, at);
    memory = result.memory;
    return result.decision.to;
  });
}

test('wanted replicas are ceil(load / target); no load wants none', () => {
  assert.equal(wantedReplicas(0, 10), 0);
  assert.equal(wantedReplicas(1, 10), 1);
  assert.equal(wantedReplicas(10, 10), 1);
  assert.equal(wantedReplicas(11, 10), 2);
  assert.equal(wantedReplicas(3, 0.5), 6);
  assert.throws(() => wantedReplicas(3, 0), /targetPerReplica must be above 0/);
  assert.equal(clamp(0, 1, 4), 1);
  assert.equal(clamp(9, 1, 4), 4);
});

test('a backlog scales up at once, clamped to the max label, and the decision carries its inputs', () => {
  const { decision } = decideReplicas(policy, fn({ load: 35 }), undefined, 1_000);
  assert.deepEqual(decision, {
    function: 'baton',
    from: 1,
    to: 4,
    wanted: 4,
    recommended: 4,
    load: 35,
    targetPerReplica: 10,
    minReplicas: 1,
    maxReplicas: 4,
    reason: 'load',
  });
  assert.equal(decideReplicas(policy, fn({ load: 500 }), undefined, 1_000).decision.to, 4, 'never above max');
});

test('maxStepUp limits how many replicas one tick adds', () => {
  const { decision } = decideReplicas({ ...policy, maxStepUp: 1 }, fn({ load: 35 }), undefined, 0);
  assert.equal(decision.to, 2);
  assert.equal(decision.reason, 'max-step');
});

test('scale-down waits for the cool-down and goes to the highest recommendation of the window', () => {
  // t=0 load 40 → 4; the load then drops; nothing moves down until 60 s after the change, and then only to the
  // highest recommendation of the last 60 s.
  const to = ticks([
    [0, 40, 1], // up to 4
    [10_000, 0, 4], // cool-down
    [30_000, 15, 4], // 2 recommended, cool-down
    [59_000, 0, 4], // still within 60 s of the change
    [61_000, 0, 4], // window (1 s..61 s) holds the 2 of t=30 s → down to 2
    [80_000, 0, 2], // within the cool-down of that change
    [122_000, 0, 2], // quiet for a whole window → min
  ]);
  assert.deepEqual(to, [4, 4, 4, 4, 2, 2, 1]);
});

test('a load that dips for one tick does not flap', () => {
  const to = ticks([
    [0, 30, 1],
    [70_000, 30, 3],
    [71_000, 0, 3],
    [72_000, 30, 3],
    [73_000, 0, 3],
  ]);
  assert.deepEqual(to, [3, 3, 3, 3, 3]);
});

test('a fresh scaler does not scale down before it has watched one cool-down', () => {
  const to = ticks([
    [0, 0, 3],
    [30_000, 0, 3],
    [60_001, 0, 3],
  ]);
  assert.deepEqual(to, [3, 3, 1]);
});

test('replicas outside the labels are brought back at once', () => {
  assert.deepEqual(decideReplicas(policy, fn({ replicas: 0 }), undefined, 0).decision, {
    function: 'baton',
    from: 0,
    to: 1,
    wanted: 0,
    recommended: 1,
    load: 0,
    targetPerReplica: 10,
    minReplicas: 1,
    maxReplicas: 4,
    reason: 'bounds',
  });
  assert.equal(decideReplicas(policy, fn({ replicas: 9, load: 100 }), undefined, 0).decision.to, 4);
});

test('steady load changes nothing; the memory keeps only the window', () => {
  const first = decideReplicas(policy, fn({ load: 20, replicas: 2 }), undefined, 0);
  assert.equal(first.decision.to, 2);
  assert.equal(first.decision.reason, 'steady');
  const later = decideReplicas(policy, fn({ load: 20, replicas: 2 }), first.memory, 120_000);
  assert.deepEqual(later.memory.recent, [[120_000, 2]]);
  assert.equal(later.memory.firstSeenAt, 0);
});
