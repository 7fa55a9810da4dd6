import { z } from 'zod';
import { datasetSource } from '../dataset-source.ts';
import { definePipeline } from '../pipeline-definition.ts';
import { promotionRequest } from '../promotion/policy.ts';
import { fetchCsv } from '../steps/fetch-csv.ts';
import { ingest, bundledDatasets } from '../steps/ingest.ts';
import { ingestPostgres } from '../steps/ingest-postgres.ts';
import { validateDataset, validationPolicy } from '../steps/validate-dataset.ts';
import { train, splitSpec } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { promoteModel } from '../steps/promote-model.ts';
import { report } from '../steps/report.ts';
import { modelSpec } from '../steps/schemas.ts';
import { modelName } from '../../functions/register-model/schema.ts';

export const trainClassifierInput = z.object({
  dataset: z.enum(bundledDatasets).default('breast_cancer').describe('Shorthand for source {kind: "sklearn", dataset}.'),
  source: datasetSource.optional().describe('Where the data comes from (sklearn, csv or postgres); default: the bundled `dataset`.'),
  validation: validationPolicy.prefault({}).describe('Data checks and whether a finding fails the run or warns.'),
  model: modelSpec.default({ type: 'logistic_regression', params: {} }).describe('Estimator and hyperparameters.'),
  split: splitSpec.default({ testSize: 0.2, seed: 42 }),
  modelName: modelName.default('classifier').describe('Registry name of the trained model.'),
  promotion: promotionRequest.optional().describe('Rules this run adds to the model\'s promotion policy: stricter only (see README, "Promotion rules belong to the model").'),
});
export type TrainClassifierInput = z.input<typeof trainClassifierInput>;

export const trainClassifier = definePipeline({
  name: 'train-classifier',
  description: 'Ingest a dataset (bundled, CSV over HTTP or PostgreSQL), validate it, train and evaluate a scikit-learn classifier, register it and promote it to production when it passes the promotion rules.',
  workflowType: 'trainClassifier',
  input: trainClassifierInput,
  examples: {
    default: {},
    randomForest: { dataset: 'wine', model: { type: 'random_forest', params: { n_estimators: 200, max_depth: 8 } }, modelName: 'wine-forest' },
    withApproval: { modelName: 'classifier', promotion: { approval: { required: true, timeout: '30m' } } },
    fromPostgres: { source: { kind: 'postgres', table: 'iris', target: 'species' }, modelName: 'iris' },
    fromCsv: { source: { kind: 'csv', name: 'iris-csv', path: 'iris.csv', target: 'species' }, validation: { onIssue: 'warn' }, modelName: 'iris' },
  },
  steps: [ingest, validateDataset, train, evaluate, registerModel, promoteModel, report],
  alternativeSteps: [fetchCsv, ingestPostgres],
});
