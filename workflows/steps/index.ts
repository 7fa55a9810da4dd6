/**
 * Every step Baton's workflows may call: the worker's step catalog is built from this list, so a step called by
 * any pipeline is known to the worker. A new step file adds its step here (a test checks none is missing).
 */
import type { StepDefinition } from '../step-definition.ts';
import { evaluate } from './evaluate.ts';
import { fetchCsv } from './fetch-csv.ts';
import { ingest } from './ingest.ts';
import { ingestPostgres } from './ingest-postgres.ts';
import { predict } from './predict.ts';
import { probeCsv } from './probe-csv.ts';
import { probePostgres } from './probe-postgres.ts';
import { probePrefix } from './probe-prefix.ts';
import { promoteModel } from './promote-model.ts';
import { registerModel } from './register-model.ts';
import { report } from './report.ts';
import { train } from './train.ts';
import { trainEpochs } from './train-epochs.ts';
import { validateDataset } from './validate-dataset.ts';
import { monitorModel } from './monitor-model.ts';

export const steps: readonly StepDefinition[] = [
  fetchCsv,
  ingest,
  ingestPostgres,
  validateDataset,
  train,
  trainEpochs,
  evaluate,
  registerModel,
  promoteModel,
  report,
  monitorModel,
  // A data-change watch's probes: each calls the function that owns its source (fetch-csv, ingest-postgres, ingest).
  probeCsv,
  probePostgres,
  probePrefix,
];

/**
 * Every declaration a function's input is checked against: the pipeline steps, plus `predict`, which people call
 * directly and no pipeline does (so it stays out of the worker's catalog). `npm run gen:contract` writes each one's
 * JSON Schemas into its function's folder; the TypeScript wrapper finds its function's declaration here.
 */
export const functionSteps: readonly StepDefinition[] = [...steps, predict];
