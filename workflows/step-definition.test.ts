import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineStep } from './step-definition.ts';
import { localStepOptions, stepPresets } from './step-presets.ts';

const shape = { description: 'd', input: z.object({}), output: z.object({}), preset: 'quick' } as const;

test('a long (async) step cannot be local, and the error says what to drop', () => {
  assert.throws(
    () => defineStep({ ...shape, name: 'train', mode: 'async', local: true }),
    /step "train".*drop `local`/,
  );
  assert.equal(defineStep({ ...shape, name: 'check', local: true }).local, true);
});

test("a local step keeps its preset's timeout, retries and cancellation, without a heartbeat timeout", () => {
  const local = localStepOptions('quick');
  assert.equal(local.startToCloseTimeout, stepPresets.quick.startToCloseTimeout);
  assert.deepEqual(local.retry, stepPresets.quick.retry);
  assert.equal(local.cancellationType, stepPresets.quick.cancellationType);
  assert.equal('heartbeatTimeout' in local, false);
});
