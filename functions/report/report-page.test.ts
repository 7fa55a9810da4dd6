import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, type ReportPageData } from './report-page.ts';
import { reportInput } from './schema.ts';

const sample = (overrides: Partial<ReportPageData> = {}): ReportPageData => ({
  pipeline: 'train-classifier-resumable',
  runId: 'train-classifier-resumable-1a2b3c4d',
  parameters: { dataset: 'breast_cancer', epochs: 4, split: { testSize: 0.2, seed: 42 }, modelName: 'classifier-sgd' },
  dataset: { name: 'breast_cancer', version: '0123456789ab', uri: 's3://baton-artifacts/datasets/breast_cancer/0123456789ab/data.csv' },
  model: { name: 'classifier-sgd', version: 'ba9876543210', uri: 's3://baton-artifacts/models/classifier-sgd/ba9876543210/model.skops', type: 'sgd_classifier', params: { loss: 'log_loss', alpha: 0.0001 } },
  evaluation: { metrics: { holdoutRows: 114, recall: 0.97, accuracy: 0.9736842, f1: 0.98, precision: 0.99 }, confusionMatrix: [[41, 1], [2, 70]], labels: [0, 1] },
  curve: [1, 2, 3, 4].map((epoch) => ({ epoch, loss: 0.4 / epoch, accuracy: 0.9 + epoch / 100 })),
  temporalUiUrl: 'http://127.0.0.1:8233/namespaces/default/workflows/train-classifier-resumable-1a2b3c4d',
  generatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

test('the page has the title, parameters, metrics, the curve, the matrix, the lineage and the Temporal link', () => {
  const page = renderReport(sample());
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<title>train-classifier-resumable · train-classifier-resumable-1a2b3c4d · Baton run report<\/title>/);
  assert.match(page, /<h1>train-classifier-resumable <span class="run">train-classifier-resumable-1a2b3c4d<\/span><\/h1>/);
  assert.match(page, /<code>split.testSize<\/code><\/td><td>0.2<\/td>/);
  assert.match(page, /<code>epochs<\/code><\/td><td>4<\/td>/);
  // Headline metrics first, in their usual order, then the rest.
  const metrics = [...page.matchAll(/<tr><td>(\w+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(metrics, [['accuracy', '0.9737'], ['f1', '0.98'], ['precision', '0.99'], ['recall', '0.97'], ['holdoutRows', '114']]);
  assert.equal(page.match(/<circle class="point" data-series="loss"/g)?.length, 4);
  assert.equal(page.match(/<circle class="point" data-series="accuracy"/g)?.length, 4);
  assert.equal(page.match(/<g class="cell/g)?.length, 4);
  assert.match(page, /breast_cancer@0123456789ab<\/div><code>s3:\/\/baton-artifacts\/datasets\/breast_cancer\/0123456789ab\/data.csv<\/code>/);
  assert.match(page, /classifier-sgd@ba9876543210<\/div><code>s3:\/\/baton-artifacts\/models\/classifier-sgd\/ba9876543210\/model.skops<\/code>/);
  assert.match(page, /<a id="temporal-link" href="http:\/\/127.0.0.1:8233\/namespaces\/default\/workflows\/train-classifier-resumable-1a2b3c4d"/);
});

test('the page is self-contained: no script, no external stylesheet, image or font, and a CSP that forbids them', () => {
  const page = renderReport(sample());
  assert.doesNotMatch(page, /<script|<link|<img|<iframe|@import|url\(/i);
  assert.doesNotMatch(page, /(src|href)="(?!http:\/\/127\.0\.0\.1:8233\/namespaces)/);
  assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.match(page, /font:15px\/1.5 system-ui,-apple-system,"Segoe UI"/, 'the stylesheet is not escaped');
});

test('without a curve the page says the estimator trains in one fit, and draws no line chart', () => {
  const page = renderReport(sample({ curve: undefined, model: { ...sample().model, type: 'random_forest' } }));
  assert.match(page, /<p class="note" id="no-curve">No per-epoch curve: this estimator \(<code>random_forest<\/code>\) trains in one fit.<\/p>/);
  assert.doesNotMatch(page, /line-chart/);
  assert.match(page, /confusion-matrix/);
});

test('every value from the run is escaped, and an unsafe link is not made a link', () => {
  const evil = '<script>alert(1)</script>';
  const page = renderReport(sample({
    pipeline: evil, runId: `"${evil}`,
    parameters: { [evil]: evil },
    dataset: { name: evil, version: evil, uri: `s3://b/${evil}` },
    model: { name: evil, version: 'v', uri: `s3://b/${evil}`, type: evil, params: { [evil]: evil } },
    evaluation: { metrics: { [evil]: 1 }, confusionMatrix: [[1]], labels: [evil] },
    temporalUiUrl: 'javascript:alert(1)',
  }));
  assert.doesNotMatch(page, /<script/);
  assert.doesNotMatch(page, /javascript:/);
  assert.ok(page.split('&lt;script&gt;').length > 10);
});

test('the step input schema checks the matrix against the labels and refuses links that are not http(s) or a path', () => {
  const { curve: _curve, temporalUiUrl: _url, generatedAt: _at, ...request } = sample();
  assert.ok(reportInput.safeParse({ ...request, temporalUiPath: '/namespaces/default/workflows/x' }).success);
  const bad = reportInput.safeParse({ ...request, evaluation: { ...request.evaluation, confusionMatrix: [[1, 2]] }, temporalUiPath: 'javascript:alert(1)', curve: { uri: 'x' } });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues.map((issue) => issue.path.join('.')).sort(),
    ['curve.sha256', 'curve.size', 'curve.uri', 'evaluation.confusionMatrix', 'temporalUiPath']);
  assert.deepEqual(reportInput.parse({ ...request, parameters: undefined }).parameters, {});
});
