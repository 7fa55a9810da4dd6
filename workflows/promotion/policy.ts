/**
 * When a freshly registered model version may go to production: a metric threshold, better than the version now
 * in production, and optionally a person's approval. The rules are the model's (its policy in the registry); a run
 * may only tighten them (applicable-rules.ts). Pure code: the pipeline decides, tests check the rules.
 */
// Reads the texts as Temporal's timers do (ms, s, m, h, d), so the limit checked here is the one the timer holds.
import { temporalDurationMs } from '../../template/baton-node/duration.ts';
import { z } from 'zod';

/** The longest a run waits for a person: a bound a timer can hold, and no run parked for months. */
export const MAX_APPROVAL_TIMEOUT = '30d';

/** A Temporal duration such as `90s`, `30m`, `24h` or `7d`, at most `max` (a longer one is refused, naming it). */
export function durationText(max: string) {
  return z
    .string()
    .regex(/^\d{1,9}(ms|s|m|h|d)$/, { message: 'use a number with a unit: ms, s, m, h or d (e.g. "30m")', abort: true })
    .refine((value) => temporalDurationMs(value) <= temporalDurationMs(max), `must be at most ${max}`);
}

/** What each rule may be set to; the model's policy and a run's request share these checks. */
const metric = z.enum(['accuracy', 'f1']).describe('The holdout metric the rules compare.');
const minimum = z.number().min(0).max(1).describe('The candidate must reach at least this value.');
const mustBeatProduction = z
  .boolean()
  .describe('The candidate must score higher than the production version on the same holdout.');
const approvalTimeout = durationText(MAX_APPROVAL_TIMEOUT).describe(
  `No decision within this time (at most ${MAX_APPROVAL_TIMEOUT}): the version stays in staging.`,
);
const approverMustNotBeStarter = z
  .boolean()
  .describe(
    "The approver must be someone other than the principal who started the run (checked against the run's memo startedBy.id).",
  );

/** The approval part of the rules when nothing is said. */
export const DEFAULT_APPROVAL = { required: false, timeout: '1h', approverMustNotBeStarter: false } as const;

/**
 * A complete set of promotion rules, every field defaulted: a model's policy in the registry (`models/<name>/policy.json`),
 * and the pipeline input's `promotion` as it was read before models had policies. `promotionPolicy.parse({})` is the
 * default policy: the rules of a model without a stored policy.
 */
export const promotionPolicy = z
  .object({
    /** false: register in staging only, never promote. */
    enabled: z.boolean().default(true),
    metric: metric.default('accuracy'),
    minimum: minimum.default(0.8),
    mustBeatProduction: mustBeatProduction.default(true),
    /**
     * true: a candidate whose signature (features, their order and types, classes) differs from production's may
     * be promoted all the same; predict's callers must change with it. Only the model's policy can say so (an
     * admin's decision): a run's input cannot.
     */
    allowBreakingSignature: z
      .boolean()
      .default(false)
      .describe(
        "Promote a candidate whose signature (features, order, types, classes) breaks production's; predict's callers must change with it.",
      ),
    approval: z
      .object({
        required: z.boolean().default(DEFAULT_APPROVAL.required),
        timeout: approvalTimeout.default(DEFAULT_APPROVAL.timeout),
        approverMustNotBeStarter: approverMustNotBeStarter.default(DEFAULT_APPROVAL.approverMustNotBeStarter),
      })
      .strict()
      .default({ ...DEFAULT_APPROVAL }),
  })
  .strict();
export type PromotionPolicy = z.output<typeof promotionPolicy>;
export type PromotionPolicyInput = z.input<typeof promotionPolicy>;

/**
 * A run's `promotion` input as the run wrote it, without defaults: only what the run says may tighten the model's
 * policy (a field left out is not a wish for the default).
 */
export const promotionRequest = z
  .object({
    enabled: z.boolean().optional(),
    metric: metric.optional(),
    minimum: minimum.optional(),
    mustBeatProduction: mustBeatProduction.optional(),
    approval: z
      .object({
        required: z.boolean().optional(),
        timeout: approvalTimeout.optional(),
        approverMustNotBeStarter: approverMustNotBeStarter.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PromotionRequest = z.output<typeof promotionRequest>;

/** One metric condition: at least `minimum`, and above production when `mustBeatProduction`. */
export interface PromotionCriterion {
  metric: ComparedMetric;
  minimum: number;
  mustBeatProduction: boolean;
}

/**
 * The rules a promotion is judged by: one criterion per metric named (the model's first; a run naming another metric
 * adds a second one, both must hold) and the approval gate.
 */
export interface PromotionRules {
  enabled: boolean;
  /** Why promotion is disabled, for the reasons (e.g. "the run input (promotion.enabled = false)"). */
  disabledBy?: string;
  criteria: PromotionCriterion[];
  /** The model's policy allows a candidate whose signature breaks production's. */
  allowBreakingSignature: boolean;
  approval: { required: boolean; timeout: string; approverMustNotBeStarter: boolean };
}

/** The rules of one complete policy (how runs started before model policies read their own input). */
export function rulesOf(
  policy: PromotionPolicy,
  disabledBy = 'the run input (promotion.enabled = false)',
): PromotionRules {
  return {
    enabled: policy.enabled,
    ...(policy.enabled ? {} : { disabledBy }),
    criteria: [{ metric: policy.metric, minimum: policy.minimum, mustBeatProduction: policy.mustBeatProduction }],
    allowBreakingSignature: policy.allowBreakingSignature,
    approval: { ...policy.approval },
  };
}

/** The metrics the rules read. */
export type ComparedMetric = 'accuracy' | 'f1';
export type ComparedMetrics = Record<ComparedMetric, number>;

/** What the rules say about one candidate. */
export interface PromotionJudgement {
  eligible: boolean;
  /** Why, in words a person reads in the run's result: one entry per rule checked. */
  reasons: string[];
}

/**
 * The production version as the candidate's evaluation saw it: scored on the same holdout rows, or not scored and
 * why (then `waived` says whether the rules let the candidate pass without the comparison: it is the production
 * version itself, or an allowed breaking change), or unknown (why); null: nothing in production.
 */
export type ProductionStanding =
  | { version: string; metrics: ComparedMetrics }
  | { version: string; notScored: string; waived: boolean }
  | { unknown: string }
  | null;

/** Applies every criterion's threshold and comparison with production. */
export function judgePromotion(
  rules: PromotionRules,
  candidate: ComparedMetrics,
  production: ProductionStanding,
): PromotionJudgement {
  if (!rules.enabled)
    return { eligible: false, reasons: [`promotion is disabled by ${rules.disabledBy ?? 'its rules'}`] };
  const reasons: string[] = [];
  let eligible = true;
  for (const { metric, minimum, mustBeatProduction } of rules.criteria) {
    const value = candidate[metric];
    if (value >= minimum) {
      reasons.push(`${metric} ${format(value)} reaches the minimum ${format(minimum)}`);
    } else {
      eligible = false;
      reasons.push(`${metric} ${format(value)} is below the minimum ${format(minimum)}`);
    }
    if (!mustBeatProduction) continue;
    if (production === null) {
      reasons.push('no other version is in production');
    } else if ('unknown' in production) {
      eligible = false;
      reasons.push(`${metric} not compared with production: ${production.unknown}`);
    } else if ('notScored' in production) {
      const why = `${metric} not compared with production version ${production.version}: ${production.notScored}`;
      if (!production.waived) eligible = false;
      reasons.push(production.waived ? why : `${why}, and it must beat production`);
    } else if (value > production.metrics[metric]) {
      reasons.push(
        `${metric} ${format(value)} beats production version ${production.version} (${format(production.metrics[metric])})`,
      );
    } else {
      eligible = false;
      reasons.push(
        `${metric} ${format(value)} does not beat production version ${production.version} (${format(production.metrics[metric])})`,
      );
    }
  }
  return { eligible, reasons: [...new Set(reasons)] };
}

function format(value: number): string {
  return value.toFixed(4);
}
