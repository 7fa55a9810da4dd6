/** What the trigger API offers of monitor-model: its workflow, input, examples and planned steps. */
import { definePipeline } from '../pipeline-definition.ts';
import { monitorModel as monitorModelStep } from '../steps/monitor-model.ts';
import { monitorModelInput } from './input.ts';
import { monitorModel } from './workflow.ts';

export const monitorModelPipeline = definePipeline({
  name: 'monitor-model',
  description:
    "Watches a served model: compares the last hours of predict's inference log with the production version's training data (PSI, KS) and holdout predictions, and live accuracy from feedback; writes a monitoring report and, past the drift threshold, starts the model's retraining (BatonTrigger = 'drift'). Typically run on a schedule.",
  workflow: monitorModel,
  input: monitorModelInput,
  examples: {
    default: {},
    hourly: { modelName: 'classifier', windowHours: 1, thresholds: { minSamples: 50 } },
    reportOnly: { modelName: 'classifier', retrain: false },
  },
  steps: [monitorModelStep],
});
