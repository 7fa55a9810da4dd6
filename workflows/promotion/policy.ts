/**
 * When a freshly registered model version may go to production: a metric threshold, better than the version now
 * in production, and optionally a person's approval. Pure code: the pipeline decides, tests check the rules.
 */
// Temporal's own duration parser: the limit checked here is the one the workflow's timer will hold.
import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';

/** The longest a run waits for a person: a bound a timer can hold, and no run parked for months. */
export const MAX_APPROVAL_TIMEOUT = '30d';

/** A Temporal duration such as `90s`, `30m`, `24h` or `7d`, at most `max` (a longer one is refused, naming it). */
export function durationText(max: string) {
  return z.string()
    .regex(/^\d{1,9}(ms|s|m|h|d)$/, { message: 'use a number with a unit: ms, s, m, h or d (e.g. "30m")', abort: true })
    .refine((value) => msToNumber(value) <= msToNumber(max), `must be at most ${max}`);
}

/** The promotion rules a pipeline run follows (the pipeline input's `promotion`). */
export const promotionPolicy = z.object({
  /** false: register in staging only, never promote. */
  enabled: z.boolean().default(true),
  metric: z.enum(['accuracy', 'f1']).default('accuracy').describe('The holdout metric the rules compare.'),
  minimum: z.number().min(0).max(1).default(0.8).describe('The candidate must reach at least this value.'),
  mustBeatProduction: z.boolean().default(true).describe('The candidate must score higher than the production version on the same holdout.'),
  approval: z.object({
    required: z.boolean().default(false),
    timeout: durationText(MAX_APPROVAL_TIMEOUT).default('1h').describe(`No decision within this time (at most ${MAX_APPROVAL_TIMEOUT}): the version stays in staging.`),
  }).strict().default({ required: false, timeout: '1h' }),
}).strict();
export type PromotionPolicy = z.output<typeof promotionPolicy>;
export type PromotionPolicyInput = z.input<typeof promotionPolicy>;

/** The metrics the rules read. */
export type ComparedMetrics = Record<'accuracy' | 'f1', number>;

/** What the rules say about one candidate. */
export interface PromotionJudgement {
  eligible: boolean;
  /** Why, in words a person reads in the run's result: one entry per rule checked. */
  reasons: string[];
}

/** Applies the metric threshold and the comparison with production (`null`: nothing in production yet). */
export function judgePromotion(policy: PromotionPolicy, candidate: ComparedMetrics, production: { version: string; metrics: ComparedMetrics } | null): PromotionJudgement {
  if (!policy.enabled) return { eligible: false, reasons: ['promotion is disabled by the run input (promotion.enabled = false)'] };
  const { metric, minimum } = policy;
  const value = candidate[metric];
  const reasons: string[] = [];
  let eligible = true;
  if (value >= minimum) {
    reasons.push(`${metric} ${format(value)} reaches the minimum ${format(minimum)}`);
  } else {
    eligible = false;
    reasons.push(`${metric} ${format(value)} is below the minimum ${format(minimum)}`);
  }
  if (policy.mustBeatProduction) {
    if (production === null) {
      reasons.push('no other version is in production');
    } else if (value > production.metrics[metric]) {
      reasons.push(`${metric} ${format(value)} beats production version ${production.version} (${format(production.metrics[metric])})`);
    } else {
      eligible = false;
      reasons.push(`${metric} ${format(value)} does not beat production version ${production.version} (${format(production.metrics[metric])})`);
    }
  }
  return { eligible, reasons };
}

function format(value: number): string {
  return value.toFixed(4);
}
