import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePromotion, promotionPolicy } from './policy.ts';

const rules = (input: object = {}) => promotionPolicy.parse(input);
const metrics = (accuracy: number, f1 = accuracy) => ({ accuracy, f1 });

test('a candidate above the minimum with nothing in production is eligible', () => {
  const judgement = judgePromotion(rules(), metrics(0.9), null);
  assert.equal(judgement.eligible, true);
  assert.deepEqual(judgement.reasons, ['accuracy 0.9000 reaches the minimum 0.8000', 'no other version is in production']);
});

test('below the minimum is refused, and the reason names metric, value and limit', () => {
  const judgement = judgePromotion(rules({ minimum: 0.95 }), metrics(0.9), null);
  assert.equal(judgement.eligible, false);
  assert.match(judgement.reasons[0]!, /accuracy 0\.9000 is below the minimum 0\.9500/);
});

test('equal to production is not better: refused', () => {
  const judgement = judgePromotion(rules(), metrics(0.9), { version: 'abc', metrics: metrics(0.9) });
  assert.equal(judgement.eligible, false);
  assert.match(judgement.reasons[1]!, /does not beat production version abc/);
});

test('better than production on the chosen metric is eligible; the other metric does not matter', () => {
  const judgement = judgePromotion(rules({ metric: 'f1' }), metrics(0.5, 0.93), { version: 'abc', metrics: metrics(0.99, 0.92) });
  assert.equal(judgement.eligible, true);
});

test('mustBeatProduction=false ignores production', () => {
  assert.equal(judgePromotion(rules({ mustBeatProduction: false }), metrics(0.85), { version: 'abc', metrics: metrics(0.99) }).eligible, true);
});

test('enabled=false never promotes', () => {
  assert.equal(judgePromotion(rules({ enabled: false }), metrics(1), null).eligible, false);
});

test('the policy refuses unknown keys and bad durations with the field path', () => {
  const bad = promotionPolicy.safeParse({ approval: { required: true, timeout: 'soon' }, minimun: 1 });
  assert.equal(bad.success, false);
  const paths = bad.error!.issues.map((issue) => issue.path.join('.'));
  assert.ok(paths.includes('approval.timeout'), paths.join());
  assert.ok(bad.error!.issues.some((issue) => issue.code === 'unrecognized_keys'));
});

test('the approval timeout is bounded: 30d passes, longer ones (9999999999d too) are refused naming the field', () => {
  assert.equal(promotionPolicy.parse({ approval: { required: true, timeout: '30d' } }).approval.timeout, '30d');
  for (const timeout of ['31d', '721h', '9999999999d']) {
    const parsed = promotionPolicy.safeParse({ approval: { required: true, timeout } });
    assert.equal(parsed.success, false, timeout);
    assert.deepEqual(parsed.error!.issues.map((issue) => issue.path.join('.')), ['approval.timeout'], timeout);
  }
});
