import { defineStep } from '../step-definition.ts';
import { httpResourceProbeInput, httpResourceProbeOutput } from '../../functions/fetch-csv/schema.ts';

/**
 * The version of the CSV behind fetch-csv, asked of fetch-csv itself: only it may reach the external host (and holds
 * its credentials). A data-change watch calls it at each poll; nothing is stored.
 */
export const probeCsv = defineStep({
  name: 'probe-csv',
  function: 'fetch-csv',
  description:
    "The version of fetch-csv's resource now (its ETag, else Last-Modified, else the body's sha256), without storing it.",
  input: httpResourceProbeInput,
  output: httpResourceProbeOutput,
  preset: 'quick',
});
