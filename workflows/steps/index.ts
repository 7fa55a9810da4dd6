/**
 * Every step Baton's workflows may call: the worker's step catalog is built from this list, so a step called by
 * any pipeline is known to the worker. A new step file adds its step here (a test checks none is missing).
 */
import type { StepDefinition } from '../step-definition.ts';
import { evaluate } from './evaluate.ts';
import { fetchCsv } from './fetch-csv.ts';
import { ingest } from './ingest.ts';
import { ingestPostgres } from './ingest-postgres.ts';
import { promoteModel } from './promote-model.ts';
import { registerModel } from './register-model.ts';
import { report } from './report.ts';
import { train } from './train.ts';
import { trainEpochs } from './train-epochs.ts';
import { validateDataset } from './validate-dataset.ts';

export const steps: readonly StepDefinition[] = [
  fetchCsv, ingest, ingestPostgres, validateDataset, train, trainEpochs, evaluate, registerModel, promoteModel, report,
];
