/** Valid outputs of the train-classifier (and tune-classifier) steps, for workflow tests with fake activities. */
const ref = (key: string, fill: string) => ({ uri: `s3://baton-artifacts/${key}`, sha256: fill.repeat(64), size: 100 });

export const dataset = {
  name: 'breast_cancer',
  version: 'aaaaaaaaaaaa',
  data: ref('datasets/breast_cancer/aaaaaaaaaaaa/data.csv', 'a'),
  schema: ref('datasets/breast_cancer/aaaaaaaaaaaa/schema.json', 'b'),
  rows: 569,
  columns: ['f1', 'f2'],
  target: 'target',
};
export const trainedModel = {
  artifact: ref('runs/w/train/model.skops', 'c'),
  format: 'skops' as const,
  type: 'logistic_regression',
  params: { C: 1 },
  features: ['f1', 'f2'],
  classes: [0, 1],
  target: 'target',
};
export const fakeStepOutputs: Record<string, unknown> = {
  ingest: { dataset },
  train: { model: trainedModel, holdout: ref('runs/w/train/holdout.csv', 'd'), trainRows: 455, holdoutRows: 114 },
  evaluate: {
    metrics: { accuracy: 0.97, f1: 0.96, precision: 0.97, recall: 0.96, holdoutRows: 114 },
    confusionMatrix: [
      [40, 2],
      [1, 71],
    ],
    labels: [0, 1],
    report: ref('runs/w/evaluate/report.json', 'e'),
    // Compared with production, and nothing is in production.
    production: null,
    inProduction: null,
  },
  'validate-dataset': {
    status: 'passed',
    issues: [],
    report: ref('runs/w/validate-dataset/validation-report.json', '2'),
  },
  report: { report: ref('runs/w/report/report.html', '1') },
  'promote-model': { modelName: 'classifier', version: 'cccccccccccc', stage: 'production', previousProduction: null },
  'register-model': {
    modelName: 'classifier',
    version: 'cccccccccccc',
    model: ref('models/classifier/cccccccccccc/model.skops', 'c'),
    metadata: ref('models/classifier/cccccccccccc/model.json', 'f'),
  },
};
