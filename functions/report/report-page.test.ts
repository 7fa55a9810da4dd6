import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type { PromotionOutcome } from '../../workflows/promotion/promote.ts';
import type { evaluate } from '../../workflows/steps/evaluate.ts';
import type { validateDataset } from '../../workflows/steps/validate-dataset.ts';
import { MAX_ISSUE_ROWS, renderReport, type ReportPageData } from './report-page.ts';
import { reportInput, type ReportInput } from './schema.ts';

const sample = (overrides: Partial<ReportPageData> = {}): ReportPageData => ({
  pipeline: 'train-classifier-resumable',
  runId: 'train-classifier-resumable-1a2b3c4d',
  parameters: { dataset: 'breast_cancer', epochs: 4, split: { testSize: 0.2, seed: 42 }, modelName: 'classifier-sgd' },
  dataset: {
    name: 'breast_cancer',
    version: '0123456789ab',
    uri: 's3://baton-artifacts/datasets/breast_cancer/0123456789ab/data.csv',
  },
  model: {
    name: 'classifier-sgd',
    version: 'ba9876543210',
    uri: 's3://baton-artifacts/models/classifier-sgd/ba9876543210/model.skops',
    type: 'sgd_classifier',
    params: { loss: 'log_loss', alpha: 0.0001 },
  },
  evaluation: {
    metrics: { holdoutRows: 114, recall: 0.97, accuracy: 0.9736842, f1: 0.98, precision: 0.99 },
    confusionMatrix: [
      [41, 1],
      [2, 70],
    ],
    labels: [0, 1],
  },
  curve: [1, 2, 3, 4].map((epoch) => ({ epoch, loss: 0.4 / epoch, accuracy: 0.9 + epoch / 100 })),
  temporalUiUrl: 'http://127.0.0.1:8233/namespaces/default/workflows/train-classifier-resumable-1a2b3c4d',
  generatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

test('the page has the title, parameters, metrics, the curve, the matrix, the lineage and the Temporal link', () => {
  const page = renderReport(sample());
  assert.match(page, /^<!doctype html>/);
  assert.match(
    page,
    /<title>train-classifier-resumable · train-classifier-resumable-1a2b3c4d · Baton run report<\/title>/,
  );
  assert.match(
    page,
    /<h1>train-classifier-resumable <span class="run">train-classifier-resumable-1a2b3c4d<\/span><\/h1>/,
  );
  assert.match(page, /<code>split.testSize<\/code><\/td><td>0.2<\/td>/);
  assert.match(page, /<code>epochs<\/code><\/td><td>4<\/td>/);
  // Headline metrics first, in their usual order, then the rest.
  const metrics = [...page.matchAll(/<tr><td>(\w+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g)].map((m) => [
    m[1],
    m[2],
  ]);
  assert.deepEqual(metrics, [
    ['accuracy', '0.9737'],
    ['f1', '0.98'],
    ['precision', '0.99'],
    ['recall', '0.97'],
    ['holdoutRows', '114'],
  ]);
  assert.equal(page.match(/<circle class="point" data-series="loss"/g)?.length, 4);
  assert.equal(page.match(/<circle class="point" data-series="accuracy"/g)?.length, 4);
  assert.equal(page.match(/<g class="cell/g)?.length, 4);
  assert.match(
    page,
    /breast_cancer@0123456789ab<\/div><code>s3:\/\/baton-artifacts\/datasets\/breast_cancer\/0123456789ab\/data.csv<\/code>/,
  );
  assert.match(
    page,
    /classifier-sgd@ba9876543210<\/div><code>s3:\/\/baton-artifacts\/models\/classifier-sgd\/ba9876543210\/model.skops<\/code>/,
  );
  assert.match(
    page,
    /<a id="temporal-link" href="http:\/\/127.0.0.1:8233\/namespaces\/default\/workflows\/train-classifier-resumable-1a2b3c4d"/,
  );
});

test('the page is self-contained: no script, no external stylesheet, image or font, and a CSP that forbids them', () => {
  const page = renderReport(sample());
  assert.doesNotMatch(page, /<script|<link|<img|<iframe|@import|url\(/i);
  assert.doesNotMatch(page, /(src|href)="(?!http:\/\/127\.0\.0\.1:8233\/namespaces)/);
  assert.match(
    page,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/,
  );
  assert.match(page, /font:15px\/1.5 system-ui,-apple-system,"Segoe UI"/, 'the stylesheet is not escaped');
});

test('without a curve the page says the estimator trains in one fit, and draws no line chart', () => {
  const page = renderReport(sample({ curve: undefined, model: { ...sample().model, type: 'random_forest' } }));
  assert.match(
    page,
    /<p class="note" id="no-curve">No per-epoch curve: this estimator \(<code>random_forest<\/code>\) trains in one fit.<\/p>/,
  );
  assert.doesNotMatch(page, /line-chart/);
  assert.match(page, /confusion-matrix/);
});

test('every value from the run is escaped, and an unsafe link is not made a link', () => {
  const evil = '<script>alert(1)</script>';
  const page = renderReport(
    sample({
      pipeline: evil,
      runId: `"${evil}`,
      parameters: { [evil]: evil },
      dataset: { name: evil, version: evil, uri: `s3://b/${evil}` },
      model: { name: evil, version: 'v', uri: `s3://b/${evil}`, type: evil, params: { [evil]: evil } },
      evaluation: { metrics: { [evil]: 1 }, confusionMatrix: [[1]], labels: [evil] },
      temporalUiUrl: 'javascript:alert(1)',
    }),
  );
  assert.doesNotMatch(page, /<script/);
  assert.doesNotMatch(page, /javascript:/);
  assert.ok(page.split('&lt;script&gt;').length > 10);
});

test('the step input schema checks the matrix against the labels and refuses links that are not http(s) or a path', () => {
  const { curve: _curve, temporalUiUrl: _url, generatedAt: _at, ...request } = sample();
  assert.ok(reportInput.safeParse({ ...request, temporalUiPath: '/namespaces/default/workflows/x' }).success);
  const bad = reportInput.safeParse({
    ...request,
    evaluation: { ...request.evaluation, confusionMatrix: [[1, 2]] },
    temporalUiPath: 'javascript:alert(1)',
    curve: { uri: 'x' },
  });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues.map((issue) => issue.path.join('.')).sort(), [
    'curve.sha256',
    'curve.size',
    'curve.uri',
    'evaluation.confusionMatrix',
    'temporalUiPath',
  ]);
  assert.deepEqual(reportInput.parse({ ...request, parameters: undefined }).parameters, {});
});

const issue = (i: number, severity: 'warning' | 'error' = 'warning') => ({
  check: 'outliers' as const,
  column: `feature_${i}`,
  severity,
  message: `${i} values beyond the fence`,
  value: i / 100,
  limit: 0,
});
const validationReport = {
  uri: 's3://baton-artifacts/runs/r/validate-dataset/validation-report.json',
  sha256: 'a'.repeat(64),
  size: 10,
};

test('the data checks show the status, the issues (errors first, at most 20) and the validation report', () => {
  const issues = [...Array.from({ length: 24 }, (_, i) => issue(i + 1)), issue(99, 'error')];
  const page = renderReport(sample({ validation: { status: 'warned', issues, report: validationReport } }));
  assert.match(page, /<section id="data-checks">\n<h2>Data checks<\/h2>/);
  assert.match(
    page,
    /<p id="validation-status"><span class="badge warn">warned<\/span> 25 issues: 1 error, 24 warnings.<\/p>/,
  );
  const rows = [
    ...page.matchAll(
      /<tr><td><span class="badge (?:bad|warn)">(\w+)<\/span><\/td><td>(\w+)<\/td><td><code>(\w+)<\/code><\/td><td>([^<]+)<\/td><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td><\/tr>/g,
    ),
  ];
  assert.equal(rows.length, MAX_ISSUE_ROWS);
  assert.deepEqual(rows[0]!.slice(1), ['error', 'outliers', 'feature_99', '99 values beyond the fence', '0.99', '0']);
  assert.deepEqual(rows[1]!.slice(1), ['warning', 'outliers', 'feature_1', '1 values beyond the fence', '0.01', '0']);
  assert.match(page, /<p class="note" id="more-issues">and 5 more in the validation report.<\/p>/);
  assert.match(
    page,
    /Validation report: <code>s3:\/\/baton-artifacts\/runs\/r\/validate-dataset\/validation-report.json<\/code>/,
  );
  assert.match(page, /<div class="k">data checks<\/div><div class="v">warned<\/div>/);
});

test('data checks without issues say so; an issue without a column, value or limit leaves those cells empty', () => {
  const passed = renderReport(sample({ validation: { status: 'passed', issues: [], report: validationReport } }));
  assert.match(passed, /<span class="badge good">passed<\/span> No issues.<\/p>/);
  assert.doesNotMatch(passed, /validation-issues|more-issues/);
  const one = renderReport(
    sample({
      validation: {
        status: 'warned',
        issues: [{ check: 'rowCount', severity: 'warning', message: 'rows changed', value: 'n/a', limit: null }],
        report: validationReport,
      },
    }),
  );
  assert.match(one, /1 issue: 0 errors, 1 warning.<\/p>/);
  assert.match(
    one,
    /<td>rowCount<\/td><td><\/td><td>rows changed<\/td><td class="num">n\/a<\/td><td class="num"><\/td><\/tr>/,
  );
  assert.doesNotMatch(one, /more-issues/);
});

test('the promotion shows where the candidate went, the reasons, the approval and the previous production version', () => {
  const promoted = renderReport(
    sample({
      promotion: {
        promoted: true,
        modelName: 'classifier-sgd',
        version: 'ba9876543210',
        previousProduction: '111111111111',
        reasons: ['accuracy 0.9737 reaches the minimum 0.8000', 'approved by alice: checked the report'],
        approval: { approved: true, by: 'alice', reason: 'checked the report' },
      },
    }),
  );
  assert.match(promoted, /<section id="promotion">\n<h2>Promotion<\/h2>/);
  assert.match(
    promoted,
    /<p id="promotion-stage"><span class="badge good">production<\/span> <strong>classifier-sgd@ba9876543210<\/strong> was promoted to production.<\/p>/,
  );
  assert.match(
    promoted,
    /<p class="note" id="previous-production">It replaced version <code>111111111111<\/code> in production.<\/p>/,
  );
  assert.match(
    promoted,
    /<ul class="reasons" id="promotion-reasons"><li>accuracy 0.9737 reaches the minimum 0.8000<\/li><li>approved by alice: checked the report<\/li><\/ul>/,
  );
  assert.match(promoted, /<p class="note" id="approval">Approved by <strong>alice<\/strong>: checked the report<\/p>/);
  assert.match(promoted, /<div class="k">stage<\/div><div class="v">production<\/div>/);

  assert.doesNotMatch(promoted, /promotion-policy/, 'runs before model policies say nothing about one');
  const held = renderReport(
    sample({
      promotion: {
        promoted: false,
        modelName: 'm',
        version: 'v',
        reasons: [],
        policyVersion: 3,
        notApplied: ['promotion.minimum = 0 would loosen <it>'],
      },
    }),
  );
  assert.match(
    held,
    /<p class="note" id="promotion-policy">Held to the model's promotion policy, version <strong>3<\/strong>. Not applied \(the run cannot loosen the policy\): promotion.minimum = 0 would loosen &lt;it&gt;.<\/p>/,
  );
  assert.match(
    renderReport(
      sample({ promotion: { promoted: true, modelName: 'm', version: 'v', reasons: [], policyVersion: 0 } }),
    ),
    /Held to the default policy/,
  );
  const first = renderReport(
    sample({ promotion: { promoted: true, modelName: 'm', version: 'v', reasons: [], previousProduction: null } }),
  );
  assert.match(first, /No version was in production before./);
  assert.match(first, /No reasons were recorded./);
  assert.match(first, /id="approval">No person's approval was asked for.<\/p>/);

  const expired = renderReport(
    sample({
      promotion: {
        promoted: false,
        modelName: 'm',
        version: 'v',
        reasons: ['no approval within 1h: the version stays in staging'],
        approval: { expired: true, timeout: '1h' },
      },
    }),
  );
  assert.match(expired, /<span class="badge plain">staging<\/span> <strong>m@v<\/strong> stayed in staging./);
  assert.match(expired, /id="approval">No approval came within <strong>1h<\/strong>: the wait expired.<\/p>/);
  assert.doesNotMatch(expired, /previous-production/);
  assert.match(expired, /<div class="k">stage<\/div><div class="v">staging<\/div>/);

  const rejected = renderReport(
    sample({
      promotion: {
        promoted: false,
        modelName: 'm',
        version: 'v',
        reasons: [],
        approval: { approved: false, by: 'bob' },
      },
    }),
  );
  assert.match(rejected, /id="approval">Rejected by <strong>bob<\/strong>.<\/p>/);
});

test("with production's scores the metrics table and the cards show them beside the candidate's", () => {
  const production = {
    version: '111111111111',
    metrics: { accuracy: 0.95, f1: 0.99, precision: 0.9, recall: 0.97, holdoutRows: 114 },
  };
  const page = renderReport(sample({ evaluation: { ...sample().evaluation, production } }));
  assert.match(
    page,
    /<th class="num">this run<\/th><th class="num">production <code>111111111111<\/code><\/th><th class="num">change<\/th>/,
  );
  const rows = [
    ...page.matchAll(
      /<tr><td>(\w+)<\/td><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td><\/tr>/g,
    ),
  ].map((m) => m.slice(1));
  assert.deepEqual(rows, [
    ['accuracy', '0.9737', '0.95', '+0.0237'],
    ['f1', '0.98', '0.99', '-0.01'],
    ['precision', '0.99', '0.9', '+0.09'],
    ['recall', '0.97', '0.97', '0'],
    ['holdoutRows', '114', '114', '0'],
  ]);
  assert.match(
    page,
    /<div class="k">holdout accuracy<\/div><div class="v">0.9737<\/div><div class="p">production 0.95<\/div>/,
  );
  assert.match(page, /<div class="k">holdout f1<\/div><div class="v">0.98<\/div><div class="p">production 0.99<\/div>/);
  // A metric production lacks leaves its cells empty.
  const partial = renderReport(
    sample({ evaluation: { ...sample().evaluation, production: { version: 'p', metrics: { accuracy: 0.9 } } } }),
  );
  assert.match(partial, /<tr><td>f1<\/td><td class="num">0.98<\/td><td class="num"><\/td><td class="num"><\/td><\/tr>/);

  const none = renderReport(sample({ evaluation: { ...sample().evaluation, production: null } }));
  assert.match(none, /<p class="note" id="no-production">Not compared with production/);
  assert.doesNotMatch(none, /production-comparison|class="p"/);
});

test('a run without data checks, promotion or comparison (older runs, train-classifier-resumable) has none of those parts', () => {
  const page = renderReport(sample());
  assert.doesNotMatch(
    page,
    /id="data-checks"|id="promotion"|production-comparison|no-production|class="p"|stage<\/div>|data checks<\/div>/,
  );
});

test("the data checks, the promotion and production's version are escaped too", () => {
  const evil = '<script>alert(1)</script>';
  const page = renderReport(
    sample({
      evaluation: { ...sample().evaluation, production: { version: evil, metrics: { accuracy: 0.9 } } },
      validation: {
        status: 'warned',
        issues: [{ check: evil, column: evil, severity: 'error', message: evil, value: evil, limit: evil }],
        report: { ...validationReport, uri: `s3://b/${evil}` },
      },
      promotion: {
        promoted: false,
        modelName: evil,
        version: evil,
        reasons: [evil],
        approval: { approved: false, by: evil, reason: evil },
        previousProduction: evil,
      },
    }),
  );
  assert.doesNotMatch(page, /<script/);
  assert.equal(page.split('&lt;script&gt;').length - 1, 14);
  const expired = renderReport(
    sample({
      promotion: {
        promoted: false,
        modelName: 'm',
        version: 'v',
        reasons: [],
        approval: { expired: true, timeout: evil },
      },
    }),
  );
  assert.doesNotMatch(expired, /<script/);
});

test("the step input takes the workflows' validation and promotion as they are, and both stay optional", () => {
  const { curve: _curve, temporalUiUrl: _url, generatedAt: _at, ...request } = sample();
  const validation: z.output<typeof validateDataset.output> = {
    status: 'warned',
    issues: [issue(1, 'error')],
    report: validationReport,
  };
  const promotion: PromotionOutcome = {
    promoted: false,
    modelName: 'm',
    version: 'v',
    reasons: ['r'],
    approval: { expired: true, timeout: '1h' },
  };
  const production: z.output<typeof evaluate.output>['production'] = {
    version: 'p',
    metrics: { accuracy: 0.9, f1: 0.9, precision: 0.9, recall: 0.9, holdoutRows: 10 },
  };
  // The types agree at compile time (a change on either side fails tsc) …
  const input: ReportInput = { ...request, validation, promotion, evaluation: { ...request.evaluation, production } };
  // … and the values pass the schema unchanged.
  const parsed = reportInput.parse(input);
  assert.deepEqual(parsed.validation, validation);
  assert.deepEqual(parsed.promotion, promotion);
  assert.deepEqual(parsed.evaluation.production, production);
  assert.deepEqual(
    reportInput.parse({ ...input, promotion: { ...promotion, approval: { approved: true, by: 'alice' } } }).promotion
      ?.approval,
    { approved: true, by: 'alice' },
  );
  const old = reportInput.parse(request);
  assert.equal(old.validation, undefined);
  assert.equal(old.promotion, undefined);
  assert.equal(old.evaluation.production, undefined);
  const bad = reportInput.safeParse({
    ...request,
    validation: { ...validation, status: 'failed' },
    promotion: { ...promotion, approval: { expired: false } },
  });
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')).sort(), ['promotion.approval', 'validation.status']);
});
