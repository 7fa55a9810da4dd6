import { z } from 'zod';
import { datasetSource } from '../dataset-source.ts';
import { definePipeline } from '../pipeline-definition.ts';
import { promotionRequest } from '../promotion/policy.ts';
import { fetchCsv } from '../steps/fetch-csv.ts';
import { ingest } from '../steps/ingest.ts';
import { ingestPostgres } from '../steps/ingest-postgres.ts';
import { validateDataset, validationPolicy } from '../steps/validate-dataset.ts';
import { train, splitSpec } from '../steps/train.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { promoteModel } from '../steps/promote-model.ts';
import { report } from '../steps/report.ts';
import { modelSpec, type ModelSpec } from '../steps/schemas.ts';
import { modelName } from '../../functions/register-model/schema.ts';

/** A small default search: three regularisation strengths and two forests. */
const defaultCandidates = (): ModelSpec[] => [
  { type: 'logistic_regression', params: { C: 0.1 } },
  { type: 'logistic_regression', params: { C: 1 } },
  { type: 'logistic_regression', params: { C: 10 } },
  { type: 'random_forest', params: { n_estimators: 50, max_depth: 4 } },
  { type: 'random_forest', params: { n_estimators: 100, max_depth: 8 } },
];

export const tuneClassifierInput = z.object({
  source: datasetSource.prefault({ kind: 'sklearn' }).describe('Where the data comes from (sklearn, csv or postgres).'),
  validation: validationPolicy.prefault({}),
  candidates: z.array(modelSpec).min(1).max(50).default(defaultCandidates)
    .describe('The estimators and hyperparameters to try; each is one train + evaluate.'),
  maxConcurrent: z.number().int().min(1).max(16).default(2).describe('At most this many trainings run at once.'),
  metric: z.enum(['accuracy', 'f1']).default('f1').describe('The holdout metric that picks the best candidate.'),
  split: splitSpec.default({ testSize: 0.2, seed: 42 }),
  modelName: modelName.default('classifier'),
  promotion: promotionRequest.optional().describe('Rules this run adds to the model\'s promotion policy: stricter only.'),
});
export type TuneClassifierInput = z.input<typeof tuneClassifierInput>;

export const tuneClassifier = definePipeline({
  name: 'tune-classifier',
  description: 'Hyperparameter search: ingest and validate once, train and evaluate every candidate (a bounded number at once), register the best and promote it when it passes the promotion rules.',
  workflowType: 'tuneClassifier',
  input: tuneClassifierInput,
  examples: {
    default: {},
    forests: {
      source: { kind: 'sklearn', dataset: 'wine' },
      candidates: [1, 2, 4, 8].map((depth) => ({ type: 'random_forest' as const, params: { n_estimators: 100, max_depth: depth } })),
      maxConcurrent: 2,
      modelName: 'wine-forest',
    },
  },
  steps: [ingest, validateDataset, train, evaluate, registerModel, promoteModel, report],
  alternativeSteps: [fetchCsv, ingestPostgres],
});
