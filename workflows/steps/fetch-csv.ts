import { defineStep } from '../step-definition.ts';
import { httpResourceInput, httpResourceOutput } from '../../functions/http-resource/schema.ts';

export const fetchCsv = defineStep({
  name: 'fetch-csv',
  function: 'csv-source',
  description: 'Fetches a CSV file from the external data server csv-source wraps (an http-resource function: allowed hosts only, same-host redirects only) into runs/<runId>/fetch-csv/<saveAs>.',
  input: httpResourceInput,
  output: httpResourceOutput,
  preset: 'quick',
});
