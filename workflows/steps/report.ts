import { defineStep } from '../step-definition.ts';
import { reportInput, reportOutput } from '../../functions/report/schema.ts';

export const report = defineStep({
  name: 'report',
  function: 'report',
  description: 'Renders the run as one self-contained HTML page (parameters, metrics, training curve, confusion matrix, lineage) under runs/<runId>/report/report.html.',
  input: reportInput,
  output: reportOutput,
  preset: 'quick',
});
