/**
 * Which promotion rules hold for a run: the model's policy, made stricter (never looser) by what the run's own
 * `promotion` input asks. Field by field:
 *
 * - `enabled`: the policy's AND the run's (a run may switch promotion off, never on);
 * - the policy's metric: `minimum` = the larger of the two, `mustBeatProduction` = the policy's OR the run's;
 * - a run naming another metric adds a second criterion on that metric (its `minimum`, default 0, and its
 *   `mustBeatProduction`, default false): both criteria must hold;
 * - `allowBreakingSignature`: the policy's alone (a run's input has no such field: breaking callers is an admin's call);
 * - `approval.required` and `approval.approverMustNotBeStarter`: the policy's OR the run's;
 * - `approval.timeout`: when the policy requires an approval, the shorter of the two (less time to decide is less
 *   chance to promote); when only the run asks for one, the run's (any approval gate is stricter than none).
 *
 * Whatever the run asked that would have loosened the policy is listed in `notApplied`, so its result says so.
 */
import { temporalDurationMs } from '../../template/baton-node/duration.ts';
import type { PromotionCriterion, PromotionPolicy, PromotionRequest, PromotionRules } from './policy.ts';

/** The model's policy as the pipeline read it; version 0 is the default policy (none stored). */
export interface ModelPolicyInForce {
  version: number;
  rules: PromotionPolicy;
}

/** The rules that apply, and the run's requests that did not (they would have loosened the policy). */
export interface ApplicableRules {
  rules: PromotionRules;
  notApplied: string[];
}

/** The policy as the reasons name it: "the default policy" (version 0) or "the model's policy (version 3)". */
export function policySource(version: number): string {
  return version === 0 ? 'the default policy' : `the model's policy (version ${version})`;
}

export function applicableRules(policy: ModelPolicyInForce, run: PromotionRequest): ApplicableRules {
  const model = policy.rules;
  const source = policySource(policy.version);
  const notApplied: string[] = [];
  const looser = (field: string, asked: unknown, kept: unknown) =>
    notApplied.push(
      `promotion.${field} = ${JSON.stringify(asked)} would loosen ${source}: ${JSON.stringify(kept)} applies`,
    );

  if (run.enabled === true && !model.enabled) looser('enabled', true, false);
  const enabled = model.enabled && run.enabled !== false;
  const disabledBy = !model.enabled ? `${source} (enabled = false)` : 'the run input (promotion.enabled = false)';

  const own: PromotionCriterion = {
    metric: model.metric,
    minimum: model.minimum,
    mustBeatProduction: model.mustBeatProduction,
  };
  const criteria = [own];
  const runMetric = run.metric ?? model.metric;
  if (runMetric === model.metric) {
    if (run.minimum !== undefined && run.minimum < model.minimum) looser('minimum', run.minimum, model.minimum);
    own.minimum = Math.max(model.minimum, run.minimum ?? model.minimum);
    if (run.mustBeatProduction === false && model.mustBeatProduction) looser('mustBeatProduction', false, true);
    own.mustBeatProduction = model.mustBeatProduction || run.mustBeatProduction === true;
  } else {
    criteria.push({
      metric: runMetric,
      minimum: run.minimum ?? 0,
      mustBeatProduction: run.mustBeatProduction === true,
    });
  }

  const asked = run.approval ?? {};
  if (asked.required === false && model.approval.required) looser('approval.required', false, true);
  if (asked.approverMustNotBeStarter === false && model.approval.approverMustNotBeStarter)
    looser('approval.approverMustNotBeStarter', false, true);
  let timeout = model.approval.timeout;
  if (asked.timeout !== undefined) {
    if (!model.approval.required || temporalDurationMs(asked.timeout) < temporalDurationMs(timeout))
      timeout = asked.timeout;
    else if (temporalDurationMs(asked.timeout) > temporalDurationMs(timeout))
      looser('approval.timeout', asked.timeout, timeout);
  }
  return {
    rules: {
      enabled,
      ...(enabled ? {} : { disabledBy }),
      criteria,
      // Only the model's policy can allow it; histories recorded before the rule have no such field (false).
      allowBreakingSignature: model.allowBreakingSignature === true,
      approval: {
        required: model.approval.required || asked.required === true,
        timeout,
        approverMustNotBeStarter: model.approval.approverMustNotBeStarter || asked.approverMustNotBeStarter === true,
      },
    },
    notApplied,
  };
}
