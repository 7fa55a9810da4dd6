import { defineStep } from '../step-definition.ts';
import { httpResourceInput, httpResourceOutput } from '../../functions/fetch-csv/schema.ts';

export const fetchCsv = defineStep({
  name: 'fetch-csv',
  description:
    'Fetches a CSV file from the external data server this function wraps (the generic HTTP resource code, configured in stack.yml: allowed hosts only, same-host redirects only) into runs/<runId>/fetch-csv/<saveAs>.',
  input: httpResourceInput,
  output: httpResourceOutput,
  preset: 'quick',
});
