/** What the trigger API offers of train-classifier: its workflow, input, examples and planned steps. */
import { definePipeline } from '../pipeline-definition.ts';
import { fetchCsv } from '../steps/fetch-csv.ts';
import { ingest } from '../steps/ingest.ts';
import { ingestPostgres } from '../steps/ingest-postgres.ts';
import { validateDataset } from '../steps/validate-dataset.ts';
import { train } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { promoteModel } from '../steps/promote-model.ts';
import { report } from '../steps/report.ts';
import { trainClassifierInput } from './input.ts';
import { trainClassifier } from './workflow.ts';

export const trainClassifierPipeline = definePipeline({
  name: 'train-classifier',
  description:
    'Ingest a dataset (bundled, CSV over HTTP or PostgreSQL), validate it, train and evaluate a scikit-learn classifier, register it and promote it to production when it passes the promotion rules.',
  workflow: trainClassifier,
  input: trainClassifierInput,
  examples: {
    default: {},
    randomForest: {
      dataset: 'wine',
      model: { type: 'random_forest', params: { n_estimators: 200, max_depth: 8 } },
      modelName: 'wine-forest',
    },
    withApproval: { modelName: 'classifier', promotion: { approval: { required: true, timeout: '30m' } } },
    fromPostgres: { source: { kind: 'postgres', table: 'iris', target: 'species' }, modelName: 'iris' },
    fromCsv: {
      source: { kind: 'csv', name: 'iris-csv', path: 'iris.csv', target: 'species' },
      validation: { onIssue: 'warn' },
      modelName: 'iris',
    },
  },
  steps: [ingest, validateDataset, train, evaluate, registerModel, promoteModel, report],
  alternativeSteps: [fetchCsv, ingestPostgres],
});
