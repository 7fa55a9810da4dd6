/** monitor-model's input: every field has a default, so `{}` is a valid input (GET /pipelines shows its JSON Schema). */
import { z } from 'zod';
import { modelName } from '../../functions/register-model/schema.ts';
import { driftThresholds } from '../steps/monitor-model.ts';

export const monitorModelInput = z
  .object({
    modelName: modelName.default('classifier').describe('Registry name of the served model to watch.'),
    windowHours: z
      .number()
      .positive()
      .max(720)
      .default(24)
      .describe("The window: predict's inference log of the last this many hours."),
    thresholds: driftThresholds
      .prefault({})
      .describe('When drift counts as detected (defaults: PSI 0.2, KS p-value 0.01 for the model, 100 rows).'),
    retrain: z
      .boolean()
      .default(true)
      .describe(
        "Start the model's retraining when drift is detected (false: only report). At most one per run, none while one runs.",
      ),
  })
  .strict();
export type MonitorModelInput = z.input<typeof monitorModelInput>;
