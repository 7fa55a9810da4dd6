import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseWatchdogDuration, temporalDurationMs } from './duration.ts';

test('watchdog timeouts: whole seconds or Go durations', () => {
  const cases: [string, number | undefined][] = [
    ['30', 30_000],
    ['600s', 600_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['10 s', undefined],
    ['soon', undefined],
    ['', undefined],
    ['-1s', undefined],
    ['7d', undefined],
    ['1m30', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseWatchdogDuration(text), ms, text);
});

test('units can be narrowed: a network timeout takes no units below a millisecond', () => {
  assert.equal(parseDuration('2m', { units: ['ms', 's', 'm', 'h'] }), 120_000);
  assert.equal(parseDuration('100us', { units: ['ms', 's', 'm', 'h'] }), undefined);
});

test('Temporal duration texts of a promotion policy, with days and no bare numbers', () => {
  const cases: [string, number][] = [
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    ['500ms', 500],
  ];
  for (const [text, ms] of cases) assert.equal(temporalDurationMs(text), ms, text);
  assert.throws(() => temporalDurationMs('30'), /"30" is not a duration/);
});
