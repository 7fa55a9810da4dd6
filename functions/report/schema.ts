/** Input and output of the report step. Pure zod: pipelines import it too. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';

const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must look like s3://bucket/key');
const label = z.union([z.string(), z.number()]);

/**
 * Where the report links to the run in the Temporal UI: a path of the UI (`/namespaces/default/workflows/<id>`,
 * resolved against the function's TEMPORAL_UI_URL) or an absolute http(s) URL. Nothing else can become a link.
 */
export const temporalUiPath = z
  .string()
  .max(2000)
  .refine(
    (value) => (value.startsWith('/') && !value.startsWith('//')) || /^https?:\/\/[^\s/]+/i.test(value),
    'must be a path starting with "/" (of the Temporal UI) or an http(s) URL',
  );

/** One point of a training curve, as train-epochs writes it to curve.json (null: not a finite number). */
export const curvePoint = z.object({
  epoch: z.number().int().nonnegative(),
  loss: z.number().nullable(),
  accuracy: z.number().nullable(),
});
export const trainingCurve = z.array(curvePoint).max(100_000);
export type CurvePoint = z.infer<typeof curvePoint>;

export const evaluationSummary = z
  .object({
    metrics: z.record(z.string(), z.number()),
    confusionMatrix: z.array(z.array(z.number().int().nonnegative())),
    labels: z.array(label),
    /**
     * evaluate's comparison: the production version's scores on the same holdout rows; null when there was none to
     * compare with; absent when the run did not compare.
     */
    production: z
      .object({ version: z.string(), metrics: z.record(z.string(), z.number()) })
      .nullable()
      .optional(),
  })
  .superRefine((evaluation, ctx) => {
    const n = evaluation.labels.length;
    if (evaluation.confusionMatrix.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['confusionMatrix'],
        message: `must have one row per label (${n}), got ${evaluation.confusionMatrix.length}`,
      });
    }
    evaluation.confusionMatrix.forEach((row, i) => {
      if (row.length !== n)
        ctx.addIssue({
          code: 'custom',
          path: ['confusionMatrix', i],
          message: `must have one column per label (${n}), got ${row.length}`,
        });
    });
  });

const measured = z.union([z.number(), z.string()]).nullable().optional();

/**
 * validate-dataset's verdict (workflows/steps/validate-dataset.ts). Checks are any name, so that a check added
 * there later still renders here.
 */
export const validationSummary = z.object({
  status: z.enum(['passed', 'warned']),
  issues: z.array(
    z.object({
      check: z.string(),
      column: z.string().optional(),
      severity: z.enum(['warning', 'error']),
      message: z.string(),
      value: measured,
      limit: measured,
    }),
  ),
  /** The full validation report (JSON). */
  report: artifactRef,
});
export type ValidationSummary = z.infer<typeof validationSummary>;

/** The promotion stage's outcome (PromotionOutcome of workflows/promotion/promote.ts). */
export const promotionSummary = z.object({
  promoted: z.boolean(),
  modelName: z.string(),
  version: z.string(),
  /** Every rule's verdict and the approval's, in order. */
  reasons: z.array(z.string()),
  /** A person's decision, or the wait for one that expired; absent when no one was asked. */
  approval: z
    .union([
      z.object({ approved: z.boolean(), by: z.string(), reason: z.string().optional() }),
      z.object({ expired: z.literal(true), timeout: z.string() }),
    ])
    .optional(),
  /** The version in production before this one was promoted (null: none). */
  previousProduction: z.string().nullable().optional(),
  /** The model's policy version the run was held to (0: the default policy); absent on runs before model policies. */
  policyVersion: z.number().int().nonnegative().optional(),
  /** What the run's input asked that would have loosened the policy, and so did not apply. */
  notApplied: z.array(z.string()).optional(),
});
export type PromotionSummary = z.infer<typeof promotionSummary>;

export const reportInput = z.object({
  pipeline: z.string().min(1),
  runId: z.string().min(1),
  /** The pipeline's input, with its defaults applied. */
  parameters: z.record(z.string(), z.unknown()).default({}),
  dataset: z.object({ name: z.string(), version: z.string(), uri: s3Uri }),
  model: z.object({
    name: z.string(),
    version: z.string(),
    uri: s3Uri,
    type: z.string(),
    params: z.record(z.string(), z.unknown()).default({}),
  }),
  evaluation: evaluationSummary,
  /** train-epochs' curve.json; absent for estimators that train in one fit. */
  curve: artifactRef.optional(),
  /** The data checks' verdict; absent on runs without validate-dataset. */
  validation: validationSummary.optional(),
  /** The promotion decision; absent on runs without a promotion stage. */
  promotion: promotionSummary.optional(),
  temporalUiPath: temporalUiPath.optional(),
});
export type ReportInput = z.input<typeof reportInput>;
export type ReportRequest = z.output<typeof reportInput>;

export const reportOutput = z.object({
  /** `runs/<workflowId>/report/report.html`: one self-contained HTML page. */
  report: artifactRef,
});
export type ReportOutput = z.infer<typeof reportOutput>;
