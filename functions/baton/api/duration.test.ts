import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationMs, durationPattern, durationSchema, formatDurationMs } from './duration.ts';

test('the document’s pattern of a bounded duration takes exactly what the schema takes', () => {
  const schema = durationSchema(10_000, 86_400_000);
  const pattern = new RegExp(durationPattern(10_000, 86_400_000));
  const samples = ['0s', '9s', '10s', '000000d', '0000010s', '86400s', '86401s', '1440m', '1441m', '24h', '25h', '1d'];
  for (const unit of 'smhd') for (let n = 0; n < 3000; n += 7) samples.push(`${n}${unit}`);
  for (const text of samples) assert.equal(pattern.test(text), schema.safeParse(text).success, text);
});

test('a duration out of bounds names the bounds; one of another shape names the shape', () => {
  const schema = durationSchema(1000, 3650 * 86_400_000);
  assert.equal(schema.safeParse('3651d').error?.issues[0]?.message, 'between 1s and 3650d');
  assert.match(schema.safeParse('often').error?.issues[0]?.message ?? '', /a whole number and a unit/);
  assert.equal(durationMs('15m'), 900_000);
  assert.equal(formatDurationMs(90_000), '90s');
});
