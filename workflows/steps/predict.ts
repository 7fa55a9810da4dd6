import { z } from 'zod';
import { defineStep } from '../step-definition.ts';
import { modelName } from '../../functions/register-model/schema.ts';
import { modelVersion } from '../../functions/promote-model/schema.ts';

/** One call scores at most this many rows: the answer stays a few MB and the call well inside exec_timeout. */
export const MAX_PREDICT_ROWS = 10_000;

const rowCount = {
  min: 'must be a non-empty list',
  max: `at most ${MAX_PREDICT_ROWS} rows per call: split them over several calls`,
};

/**
 * predict: not a pipeline step (people call it directly, see the function's DIRECT_CALLS) but declared like one, so
 * its input schema is generated into functions/predict/step.schema.json and checked by the wrapper. Exactly one of
 * `rows` or `instances`, and each row's width, depend on each other or on the model: the handler checks those.
 */
export const predict = defineStep({
  name: 'predict',
  description: 'Scores rows with the production version of a registered model (or a pinned version).',
  input: z
    .object({
      model: modelName.describe("The registered model's name."),
      version: modelVersion.optional().describe('A registered version instead of the one in production.'),
      rows: z
        .array(z.array(z.number()))
        .min(1, rowCount.min)
        .max(MAX_PREDICT_ROWS, rowCount.max)
        .optional()
        .describe("Rows as lists of numbers in the model's feature order."),
      instances: z
        .array(z.record(z.string(), z.number()))
        .min(1, rowCount.min)
        .max(MAX_PREDICT_ROWS, rowCount.max)
        .optional()
        .describe('Rows as objects of numbers keyed by feature name.'),
    })
    .strict(),
  output: z.object({
    model: z.object({ name: z.string(), version: z.string() }),
    predictions: z.array(z.union([z.string(), z.number()])),
    probabilities: z.array(z.array(z.number())).optional(),
    classes: z.array(z.union([z.string(), z.number()])),
    requestId: z
      .string()
      .optional()
      .describe("The caller's X-Request-Id, else a made one: the key of the inference log and of feedback."),
  }),
  preset: 'quick',
});
