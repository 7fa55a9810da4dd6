import { z } from 'zod';
import { definePipeline } from '../pipeline-definition.ts';
import { ingest, bundledDatasets } from '../steps/ingest.ts';
import { train, splitSpec } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { report } from '../steps/report.ts';
import { modelSpec } from '../steps/schemas.ts';
import { modelName } from '../../functions/register-model/schema.ts';

export const trainClassifierInput = z.object({
  dataset: z.enum(bundledDatasets).default('breast_cancer').describe('A dataset bundled with scikit-learn.'),
  model: modelSpec.default({ type: 'logistic_regression', params: {} }).describe('Estimator and hyperparameters.'),
  split: splitSpec.default({ testSize: 0.2, seed: 42 }),
  modelName: modelName.default('classifier').describe('Registry name of the trained model.'),
});
export type TrainClassifierInput = z.input<typeof trainClassifierInput>;

export const trainClassifier = definePipeline({
  name: 'train-classifier',
  description: 'Ingest a bundled dataset, train a scikit-learn classifier, evaluate it on a holdout, register it.',
  workflowType: 'trainClassifier',
  input: trainClassifierInput,
  examples: {
    default: {},
    randomForest: { dataset: 'wine', model: { type: 'random_forest', params: { n_estimators: 200, max_depth: 8 } }, modelName: 'wine-forest' },
  },
  steps: [ingest, train, evaluate, registerModel, report],
});
