/** What the trigger API offers of train-classifier-resumable: its workflow, input, examples and planned steps. */
import { definePipeline } from '../pipeline-definition.ts';
import { ingest } from '../steps/ingest.ts';
import { trainEpochs } from '../steps/train-epochs.ts';
import { evaluate } from '../steps/evaluate.ts';
import { registerModel } from '../steps/register-model.ts';
import { report } from '../steps/report.ts';
import { resumableInput } from './input.ts';
import { trainClassifierResumable } from './workflow.ts';

export const trainClassifierResumablePipeline = definePipeline({
  name: 'train-classifier-resumable',
  description:
    'Like train-classifier, with a long epoch-by-epoch training that survives crashes and resumes from its last checkpoint.',
  workflow: trainClassifierResumable,
  input: resumableInput,
  examples: {
    default: {},
    long: { epochs: 30, secondsPerEpoch: 2.5 },
  },
  steps: [ingest, trainEpochs, evaluate, registerModel, report],
});
