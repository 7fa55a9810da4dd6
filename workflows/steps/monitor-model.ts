/** monitor-model: its input and output, checked by the invoke activity on both sides of every call. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';
import { defineStep } from '../step-definition.ts';
import { modelName } from '../../functions/register-model/schema.ts';

/**
 * When drift counts as detected. The defaults: PSI 0.2 is the usual "significant shift" mark; KS p-value 0.01 on
 * top of it keeps false alarms rare on small windows; below 100 rows nothing is decided.
 */
export const driftThresholds = z
  .object({
    psi: z
      .number()
      .positive()
      .max(10)
      .default(0.2)
      .describe('A feature drifts above this PSI (and below the KS p-value).'),
    ksPValue: z
      .number()
      .positive()
      .max(1)
      .default(0.01)
      .describe("A numeric feature drifts only when the KS test's p-value is below this too."),
    minSamples: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(100)
      .describe('Fewer logged rows in the window than this: no drift decision, no retraining.'),
  })
  .strict();

/** The window's verdict: the largest PSI (null without rows), whether drift was detected and why. */
export const driftVerdict = z.object({
  value: z.number().nullable(),
  detected: z.boolean(),
  features: z.array(z.string()),
  reason: z.string(),
});

export const monitorModel = defineStep({
  name: 'monitor-model',
  description:
    "Compares a window of predict's inference log with the production version's training data (PSI, KS), its predicted classes with the holdout's and live accuracy from feedback; writes a summary and an HTML report.",
  // What functions/monitor-model/handler.py takes and returns: change the two together.
  input: z
    .object({
      modelName,
      windowEnd: z.iso.datetime().describe('End of the window (exclusive), UTC; the workflow passes its own clock.'),
      windowHours: z.number().positive().max(720).default(24).describe('The window: this many hours before windowEnd.'),
      thresholds: driftThresholds.prefault({}),
    })
    .strict(),
  output: z.object({
    model: z.object({ name: z.string(), version: z.string() }),
    window: z.object({ start: z.string(), end: z.string(), hours: z.number() }),
    samples: z.number().int().nonnegative(),
    drift: driftVerdict,
    accuracy: z.object({ live: z.number().nullable(), labeled: z.number().int(), holdout: z.number().nullable() }),
    /** How the production version was trained (lineage): what a retraining reruns; null when not recorded. */
    retraining: z.object({ pipeline: z.string(), parameters: z.record(z.string(), z.unknown()) }).nullable(),
    summary: artifactRef,
    report: artifactRef,
  }),
  // Reading a day of logs and one dataset takes seconds; 'quick' fits (keep stack.yml's exec_timeout below it).
  preset: 'quick',
});
