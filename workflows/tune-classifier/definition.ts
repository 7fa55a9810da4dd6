/** What the trigger API offers of tune-classifier: its workflow, input, examples and planned steps. */
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
import { tuneClassifierInput } from './input.ts';
import { tuneClassifier } from './workflow.ts';

export const tuneClassifierPipeline = definePipeline({
  name: 'tune-classifier',
  description:
    'Hyperparameter search: ingest and validate once, train and evaluate every candidate (a bounded number at once), register the best and promote it when it passes the promotion rules.',
  workflow: tuneClassifier,
  input: tuneClassifierInput,
  examples: {
    default: {},
    forests: {
      source: { kind: 'sklearn', dataset: 'wine' },
      candidates: [1, 2, 4, 8].map((depth) => ({
        type: 'random_forest' as const,
        params: { n_estimators: 100, max_depth: depth },
      })),
      maxConcurrent: 2,
      modelName: 'wine-forest',
    },
  },
  steps: [ingest, validateDataset, train, evaluate, registerModel, promoteModel, report],
  alternativeSteps: [fetchCsv, ingestPostgres],
});
