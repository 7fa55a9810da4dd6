/** The kill schedule's randomness: replayable from its seed, every kind the same number of times. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KILL_KINDS, killOrder } from './kill.ts';
import { faultSeed, prng } from './prng.ts';

test('a seed replays the same kill order; each round kills every kind once', () => {
  const order = killOrder(10, prng(42));
  assert.deepEqual(order, killOrder(10, prng(42)));
  assert.notDeepEqual(order, killOrder(10, prng(43)));
  for (const kind of KILL_KINDS) assert.equal(order.filter((k) => k === kind).length, 10, kind);
  assert.deepEqual([...order.slice(0, KILL_KINDS.length)].sort(), [...KILL_KINDS].sort());
});

test('BATON_FAULT_SEED is taken as given, a wrong one is named', () => {
  assert.equal(faultSeed({ BATON_FAULT_SEED: '123' }), 123);
  assert.ok(Number.isInteger(faultSeed({})));
  assert.throws(() => faultSeed({ BATON_FAULT_SEED: 'abc' }), /BATON_FAULT_SEED must be a non-negative integer/);
});
