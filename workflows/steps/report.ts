import { defineStep } from '../step-definition.ts';
import { reportInput, reportOutput } from '../../functions/report/schema.ts';

export const report = defineStep({
  name: 'report',
  description:
    'Renders the run as one self-contained HTML page (parameters, data checks, metrics against production, training curve, confusion matrix, promotion, lineage) under runs/<runId>/report/report.html.',
  input: reportInput,
  output: reportOutput,
  preset: 'quick',
});
