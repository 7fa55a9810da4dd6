import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applicableRules } from './applicable-rules.ts';
import { judgePromotion, promotionPolicy, promotionRequest, rulesOf } from './policy.ts';

const rules = (input: object = {}) => rulesOf(promotionPolicy.parse(input));
const metrics = (accuracy: number, f1 = accuracy) => ({ accuracy, f1 });

test('a candidate above the minimum with nothing in production is eligible', () => {
  const judgement = judgePromotion(rules(), metrics(0.9), null);
  assert.equal(judgement.eligible, true);
  assert.deepEqual(judgement.reasons, [
    'accuracy 0.9000 reaches the minimum 0.8000',
    'no other version is in production',
  ]);
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
  const judgement = judgePromotion(rules({ metric: 'f1' }), metrics(0.5, 0.93), {
    version: 'abc',
    metrics: metrics(0.99, 0.92),
  });
  assert.equal(judgement.eligible, true);
});

test('mustBeatProduction=false ignores production', () => {
  assert.equal(
    judgePromotion(rules({ mustBeatProduction: false }), metrics(0.85), { version: 'abc', metrics: metrics(0.99) })
      .eligible,
    true,
  );
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
    assert.deepEqual(
      parsed.error!.issues.map((issue) => issue.path.join('.')),
      ['approval.timeout'],
      timeout,
    );
  }
});

test("the default policy is promotionPolicy's defaults; a run's request keeps only what it wrote", () => {
  assert.deepEqual(promotionPolicy.parse({}), {
    enabled: true,
    metric: 'accuracy',
    minimum: 0.8,
    mustBeatProduction: true,
    allowBreakingSignature: false,
    approval: { required: false, timeout: '1h', approverMustNotBeStarter: false },
  });
  assert.deepEqual(promotionRequest.parse({ minimum: 0, approval: { timeout: '5m' } }), {
    minimum: 0,
    approval: { timeout: '5m' },
  });
  assert.equal(promotionRequest.safeParse({ minimun: 0 }).success, false, 'a misspelt rule is refused, not ignored');
});

const model = (rules: object = {}, version = 3) => ({ version, rules: promotionPolicy.parse(rules) });

test("a run may not loosen the model's policy: each looser request is ignored and named", () => {
  const { rules: applied, notApplied } = applicableRules(
    model({ minimum: 0.9, approval: { required: true, timeout: '2h', approverMustNotBeStarter: true } }),
    promotionRequest.parse({
      enabled: true,
      minimum: 0,
      mustBeatProduction: false,
      approval: { required: false, timeout: '30d', approverMustNotBeStarter: false },
    }),
  );
  assert.deepEqual(applied, {
    enabled: true,
    criteria: [{ metric: 'accuracy', minimum: 0.9, mustBeatProduction: true }],
    allowBreakingSignature: false,
    approval: { required: true, timeout: '2h', approverMustNotBeStarter: true },
  });
  assert.deepEqual(notApplied, [
    "promotion.minimum = 0 would loosen the model's policy (version 3): 0.9 applies",
    "promotion.mustBeatProduction = false would loosen the model's policy (version 3): true applies",
    "promotion.approval.required = false would loosen the model's policy (version 3): true applies",
    "promotion.approval.approverMustNotBeStarter = false would loosen the model's policy (version 3): true applies",
    'promotion.approval.timeout = "30d" would loosen the model\'s policy (version 3): "2h" applies',
  ]);
});

test("a run may tighten the model's policy: larger minimum, production to beat, approval, shorter timeout, another approver", () => {
  const { rules: applied, notApplied } = applicableRules(
    model({ minimum: 0.5, mustBeatProduction: false }, 0),
    promotionRequest.parse({
      minimum: 0.95,
      mustBeatProduction: true,
      approval: { required: true, timeout: '10m', approverMustNotBeStarter: true },
    }),
  );
  assert.deepEqual(applied, {
    enabled: true,
    criteria: [{ metric: 'accuracy', minimum: 0.95, mustBeatProduction: true }],
    allowBreakingSignature: false,
    approval: { required: true, timeout: '10m', approverMustNotBeStarter: true },
  });
  assert.deepEqual(notApplied, []);
  const shorter = applicableRules(
    model({ approval: { required: true, timeout: '2h' } }),
    promotionRequest.parse({ approval: { timeout: '90m' } }),
  );
  assert.equal(shorter.rules.approval.timeout, '90m', 'the shorter wait wins');
  const added = applicableRules(model(), promotionRequest.parse({ approval: { required: true, timeout: '1d' } }));
  assert.deepEqual(
    added.rules.approval,
    { required: true, timeout: '1d', approverMustNotBeStarter: false },
    'a run adding an approval the policy does not require sets its wait',
  );
  assert.deepEqual(added.notApplied, []);
});

test("a run that says nothing gets exactly the model's rules, looser than the defaults if the model says so", () => {
  const { rules: applied } = applicableRules(
    model({ minimum: 0.3, mustBeatProduction: false }),
    promotionRequest.parse({}),
  );
  assert.deepEqual(applied, rulesOf(promotionPolicy.parse({ minimum: 0.3, mustBeatProduction: false })));
});

test('enabled: a run may switch promotion off, never on', () => {
  const off = applicableRules(model({ enabled: false }), promotionRequest.parse({ enabled: true }));
  assert.equal(off.rules.enabled, false);
  assert.deepEqual(judgePromotion(off.rules, metrics(1), null).reasons, [
    "promotion is disabled by the model's policy (version 3) (enabled = false)",
  ]);
  const runOff = applicableRules(model(), promotionRequest.parse({ enabled: false }));
  assert.deepEqual(judgePromotion(runOff.rules, metrics(1), null).reasons, [
    'promotion is disabled by the run input (promotion.enabled = false)',
  ]);
});

test('a run naming another metric adds a criterion on it: both must hold', () => {
  const { rules: applied } = applicableRules(
    model({ metric: 'accuracy', minimum: 0.8 }),
    promotionRequest.parse({ metric: 'f1', minimum: 0.9, mustBeatProduction: true }),
  );
  assert.deepEqual(applied.criteria, [
    { metric: 'accuracy', minimum: 0.8, mustBeatProduction: true },
    { metric: 'f1', minimum: 0.9, mustBeatProduction: true },
  ]);
  const lowF1 = judgePromotion(applied, { accuracy: 0.95, f1: 0.85 }, null);
  assert.equal(lowF1.eligible, false);
  assert.deepEqual(lowF1.reasons, [
    'accuracy 0.9500 reaches the minimum 0.8000',
    'no other version is in production',
    'f1 0.8500 is below the minimum 0.9000',
  ]);
  assert.equal(
    judgePromotion(applied, { accuracy: 0.79, f1: 0.99 }, null).eligible,
    false,
    "the model's own metric still holds",
  );
  assert.equal(judgePromotion(applied, { accuracy: 0.85, f1: 0.95 }, null).eligible, true);
});
