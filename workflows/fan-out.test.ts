import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapWithLimit } from './fan-out.ts';

test('never runs more than the limit at once, and keeps the order of results', async () => {
  let running = 0;
  let peak = 0;
  const results = await mapWithLimit([30, 5, 20, 1, 10], 2, async (ms, index) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    running -= 1;
    return index * 10;
  });
  assert.equal(peak, 2);
  assert.deepEqual(results, [0, 10, 20, 30, 40]);
});

test('a failure rejects the whole fan-out', async () => {
  await assert.rejects(
    mapWithLimit([1, 2, 3], 3, async (n) => {
      if (n === 2) throw new Error('boom');
      return n;
    }),
    /boom/,
  );
});

test('refuses a limit that is not a positive integer', async () => {
  await assert.rejects(
    mapWithLimit([1], 0, async (n) => n),
    /positive integer/,
  );
});
