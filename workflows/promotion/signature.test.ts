import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePromotion, promotionPolicy, rulesOf } from './policy.ts';
import { judgeSignature, type InProduction } from './signature-rule.ts';
import {
  describeSignatureChange,
  isBreaking,
  MAX_DESCRIPTION_CHARS,
  signatureChange,
  signatureOf,
  type ModelSignature,
} from './signature.ts';

const signature = (features: string[], classes: (string | number)[] = [0, 1]) =>
  signatureOf({ features, classes, target: 'target' });

test('a trained model signs as its features (float64, in order) and classes', () => {
  assert.deepEqual(signatureOf({ features: ['b', 'a'], classes: ['x', 'y'], target: 'species' }), {
    inputs: [
      { name: 'b', type: 'float64' },
      { name: 'a', type: 'float64' },
    ],
    output: { target: 'species', classes: ['x', 'y'] },
  });
  assert.deepEqual(signatureOf({ features: ['a'], classes: [0] }).output, { classes: [0] }, 'no target: none');
});

test('the same signature (another target name too) is no change', () => {
  const change = signatureChange(signature(['a', 'b']), signatureOf({ features: ['a', 'b'], classes: [0, 1] }));
  assert.equal(isBreaking(change), false);
  assert.equal(describeSignatureChange(change), '');
});

test('added, removed, reordered and retyped features are each named', () => {
  const production = signature(['a', 'b', 'c', 'd']);
  const candidate: ModelSignature = {
    inputs: [
      { name: 'c', type: 'float64' },
      { name: 'a', type: 'float64' },
      { name: 'd', type: 'int64' },
      { name: 'e', type: 'float64' },
    ],
    output: { classes: [0, 1] },
  };
  const change = signatureChange(production, candidate);
  assert.deepEqual(change.added, ['e']);
  assert.deepEqual(change.removed, ['b']);
  assert.deepEqual(change.reordered, ['c', 'a'], 'd keeps its place among the shared features');
  assert.deepEqual(change.typeChanged, [{ name: 'd', from: 'float64', to: 'int64' }]);
  assert.equal(isBreaking(change), true);
  assert.equal(
    describeSignatureChange(change),
    'features removed: b; added: e; reordered: c, a; type changed: d (float64 → int64)',
  );
});

test('a reorder alone breaks: rows are read by position', () => {
  const change = signatureChange(signature(['a', 'b']), signature(['b', 'a']));
  assert.equal(isBreaking(change), true);
  assert.equal(describeSignatureChange(change), 'features reordered: b, a');
});

test('classes added, removed or reordered break; 1 and "1" are different classes', () => {
  const change = signatureChange(signature(['a'], [0, 1, 2]), signature(['a'], [0, '1', 3]));
  assert.deepEqual(change.classesAdded, ['1', 3]);
  assert.deepEqual(change.classesRemoved, [1, 2]);
  assert.equal(describeSignatureChange(change), 'classes removed: 1, 2; added: "1", 3');
  const reordered = signatureChange(signature(['a'], ['x', 'y']), signature(['a'], ['y', 'x']));
  assert.equal(reordered.classesReordered, true);
  assert.equal(describeSignatureChange(reordered), 'classes reordered');
});

test('long lists show five names and how many more; the whole text is capped', () => {
  const pixels = Array.from({ length: 64 }, (_, index) => `pixel_${index}`);
  const change = signatureChange(signature(pixels), signature(['a']));
  assert.equal(
    describeSignatureChange(change),
    'features removed: pixel_0, pixel_1, pixel_2, pixel_3, pixel_4 (+59 more); added: a',
  );
  const long = (prefix: string) => Array.from({ length: 5 }, (_, index) => `${prefix}${'x'.repeat(200)}${index}`);
  const text = describeSignatureChange(signatureChange(signature(long('old')), signature(long('new'))));
  assert.equal(text.length, MAX_DESCRIPTION_CHARS);
  assert.ok(text.endsWith('…'));
});

const BREAST = signature(['mean radius', 'mean texture', 'mean perimeter'], [0, 1]);
const WINE = signature(['alcohol', 'malic_acid'], [0, 1, 2]);
const rules = (input: object = {}) => rulesOf(promotionPolicy.parse(input));
const metrics = { accuracy: 0.97, f1: 0.96 };
const judge = (
  inProduction: InProduction | null | undefined,
  options: { allow?: boolean; candidate?: ModelSignature; scored?: boolean } = {},
) => {
  const applied = rules({ allowBreakingSignature: options.allow === true });
  const verdict = judgeSignature({
    rules: applied,
    modelName: 'classifier',
    policySource: "the model's policy (version 2)",
    version: 'cccccccccccc',
    signature: options.candidate ?? WINE,
    inProduction,
    scored:
      options.scored && inProduction ? { version: inProduction.version, metrics: { accuracy: 0.9, f1: 0.9 } } : null,
  });
  const metricVerdict = judgePromotion(applied, metrics, verdict.production);
  return {
    eligible: verdict.eligible && metricVerdict.eligible,
    reasons: [...metricVerdict.reasons, ...verdict.reasons],
  };
};
const breastInProduction = { version: 'bbbbbbbbbbbb', signature: BREAST, notScored: 'it reads other features' };

test('a breaking candidate is refused, and the reasons say production was not compared and what differs', () => {
  const { eligible, reasons } = judge(breastInProduction);
  assert.equal(eligible, false);
  assert.deepEqual(reasons, [
    'accuracy 0.9700 reaches the minimum 0.8000',
    'accuracy not compared with production version bbbbbbbbbbbb: it reads other features, and it must beat production',
    "the signature breaks production version bbbbbbbbbbbb's (features removed: mean radius, mean texture, mean perimeter; added: alcohol, malic_acid; classes added: 2): callers of predict would fail, so the version stays in staging; an admin may allow it with allowBreakingSignature in the model's policy (PUT /models/classifier/policy)",
  ]);
  assert.ok(!reasons.some((reason) => /no other version is in production/.test(reason)));
});

test("a policy allowing breaking changes promotes it, naming the policy's version and what breaks", () => {
  const { eligible, reasons } = judge(breastInProduction, { allow: true });
  assert.equal(eligible, true);
  assert.deepEqual(reasons.slice(1), [
    'accuracy not compared with production version bbbbbbbbbbbb: it reads other features',
    "the signature breaks production version bbbbbbbbbbbb's (features removed: mean radius, mean texture, mean perimeter; added: alcohol, malic_acid; classes added: 2), allowed by allowBreakingSignature in the model's policy (version 2)",
  ]);
});

test('a matching signature is compared on metrics as before, and says it matches', () => {
  const { eligible, reasons } = judge({ version: 'bbbbbbbbbbbb', signature: WINE }, { scored: true });
  assert.equal(eligible, true);
  assert.deepEqual(reasons, [
    'accuracy 0.9700 reaches the minimum 0.8000',
    'accuracy 0.9700 beats production version bbbbbbbbbbbb (0.9000)',
    "the signature matches production version bbbbbbbbbbbb's (2 features, 3 classes)",
  ]);
});

test('classes alone breaking is refused even when production was scored', () => {
  const { eligible, reasons } = judge(
    { version: 'bbbbbbbbbbbb', signature: signature(['alcohol', 'malic_acid'], [0, 1]) },
    { scored: true },
  );
  assert.equal(eligible, false);
  assert.match(reasons.at(-1)!, /breaks production version bbbbbbbbbbbb's \(classes added: 2\)/);
});

test('nothing in production, or the candidate itself in production: true reasons, no signature rule', () => {
  assert.deepEqual(judge(null), {
    eligible: true,
    reasons: ['accuracy 0.9700 reaches the minimum 0.8000', 'no other version is in production'],
  });
  const itself = judge({ version: 'cccccccccccc', signature: WINE, notScored: 'it is this candidate' });
  assert.equal(itself.eligible, true);
  assert.deepEqual(itself.reasons.slice(1), [
    'accuracy not compared with production version cccccccccccc: it is this version, already in production',
  ]);
});

test('evaluate not saying what is in production refuses, saying so', () => {
  const { eligible, reasons } = judge(undefined);
  assert.equal(eligible, false);
  assert.deepEqual(reasons.slice(1), [
    'accuracy not compared with production: evaluate did not report what is in production (an older evaluate function?)',
    'the signature was not checked: evaluate did not report what is in production (an older evaluate function?)',
  ]);
});
