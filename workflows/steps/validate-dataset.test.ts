import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDataset, validationPolicy } from './validate-dataset.ts';

/** The calibrated defaults (see functions/validate-dataset/validation_outliers.py); its Python test expects the same. */
const calibrated = {
  onIssue: 'fail',
  maxMissingFraction: 0,
  maxRowCountChange: 0.5,
  maxSizeChange: 0.5,
  outliers: {
    zScore: 6,
    iqrFactor: 20,
    maxOutlierFraction: 0,
    isolationForest: { enabled: true, maxAnomalyFraction: 0.3, seed: 42 },
  },
};

test("the policy's defaults are the calibrated ones", () => {
  const pythonDefaults = calibrated;
  assert.deepEqual(validationPolicy.parse({}), pythonDefaults);
  // A partial policy keeps the other defaults, also inside nested objects.
  const partial = validationPolicy.parse({ onIssue: 'warn', outliers: { isolationForest: { seed: 7 } } });
  assert.equal(partial.onIssue, 'warn');
  assert.deepEqual(partial.outliers, {
    ...(pythonDefaults as ReturnType<typeof validationPolicy.parse>).outliers,
    isolationForest: { enabled: true, maxAnomalyFraction: 0.3, seed: 7 },
  });
});

test('a bad policy names the field', () => {
  const cases: [unknown, string][] = [
    [{ onIssue: 'ignore' }, 'onIssue'],
    [{ maxMissingFraction: 2 }, 'maxMissingFraction'],
    [{ outliers: { zScore: 0 } }, 'outliers.zScore'],
    [{ outliers: { isolationForest: { seed: 1.5 } } }, 'outliers.isolationForest.seed'],
    [{ outliers: { zscore: 3 } }, 'outliers'],
  ];
  for (const [policy, path] of cases) {
    const result = validationPolicy.safeParse(policy);
    assert.equal(result.success, false, JSON.stringify(policy));
    assert.equal(result.error?.issues[0]?.path.join('.'), path, JSON.stringify(policy));
  }
});

test("the step fills in the policy and accepts the function's output shape", () => {
  const ref = { uri: 's3://baton-artifacts/datasets/wine/0a1b2c3d4e5f/data.csv', sha256: 'a'.repeat(64), size: 10 };
  const input = validateDataset.input.parse({
    dataset: {
      name: 'wine',
      version: '0a1b2c3d4e5f',
      data: ref,
      schema: ref,
      rows: 178,
      columns: ['alcohol'],
      target: 'target',
      previousVersion: null,
    },
  });
  assert.equal(input.policy.onIssue, 'fail');
  const output = validateDataset.output.parse({
    status: 'warned',
    issues: [
      {
        check: 'outliers',
        column: 'alcohol',
        severity: 'warning',
        message: 'column "alcohol": ...',
        value: 0.011,
        limit: 0,
      },
      {
        check: 'schema',
        column: 'ash',
        severity: 'error',
        message: 'column "ash": dtype changed',
        value: 'string',
        limit: 'float64',
      },
      { check: 'isolationForest', severity: 'warning', message: 'isolation forest: ...', value: 0.4, limit: 0.3 },
    ],
    report: ref,
  });
  assert.equal(output.issues.length, 3);
  assert.equal(
    validateDataset.output.safeParse({ status: 'failed', issues: [], report: ref }).success,
    false,
    'a failure is a 422, never an output',
  );
});
