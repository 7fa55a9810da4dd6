/** The promotion stage of a training pipeline: the model's rules (tightened by the run), then maybe a person, then the registry. */
// The same parser Temporal applies to the `condition` timeout, so the deadline shown is the one that holds.
import { temporalDurationMs } from '../../template/baton-node/duration.ts';
import {
  ActivityFailure,
  isCancellation,
  patched,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { runStep } from '../run-step.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { promoteModel } from '../steps/promote-model.ts';
import { applicableRules, policySource } from './applicable-rules.ts';
import type { ApprovalDecision, PromotionApproval } from './approval.ts';
import {
  judgePromotion,
  promotionPolicy,
  rulesOf,
  type ComparedMetrics,
  type ProductionStanding,
  type PromotionRequest,
  type PromotionRules,
} from './policy.ts';
import { judgeSignature, type InProduction, type SignatureJudgement } from './signature-rule.ts';
import { signatureOf, type ModelSignature } from './signature.ts';
import type { StepOutput } from '../step-definition.ts';
import type { evaluate } from '../steps/evaluate.ts';
import type { registerModel } from '../steps/register-model.ts';
import type { TrainedModel } from '../steps/schemas.ts';

/** Runs started before models had policies follow their own input's rules, as they did then. */
const MODEL_POLICY_PATCH = 'baton-model-policy-v1';
/**
 * Runs started before signatures were compared: no signature rule, and a production version that evaluate did not
 * score reads as none (their reasons said "no other version is in production").
 */
const SIGNATURE_PATCH = 'baton-signature-v1';

/** Reading the policy is a quick registry read; a few retries, then the version stays in staging. */
const { readModelPolicy } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
  activityId: 'read-model-policy',
  summary: "read the model's promotion policy",
});

/** Which rules a run was held to; part of the run's result. */
export interface AppliedPolicy {
  /** The model's policy version (0: the default policy, none stored); absent when it could not be read. */
  version?: number;
  /** The rules that applied: the policy's, tightened by the run's input. */
  rules?: PromotionRules;
  /** What the run's input asked that would have loosened the policy, and so did not apply. */
  notApplied?: string[];
}

/** What happened to the candidate; part of the run's result. */
export interface PromotionOutcome {
  promoted: boolean;
  modelName: string;
  version: string;
  /** Every rule's verdict and the approval's, in order. */
  reasons: string[];
  approval?: ApprovalDecision | { expired: true; timeout: string };
  /** The version that was in production before (null: none). */
  previousProduction?: string | null;
  /** Absent on runs started before models had policies (they followed their own input). */
  policy?: AppliedPolicy;
}

/**
 * Holds the registered candidate to the model's policy, made stricter by what the run's input asks (`request`),
 * and promotes it to production when everything agrees.
 */
/**
 * promoteIfEligible for a training pipeline's registered candidate, from its steps' outputs as they are: the
 * trained model, evaluate's scores and what it saw in production, and register-model's version.
 */
export function promoteTrained(args: {
  request: PromotionRequest;
  approval: PromotionApproval;
  model: TrainedModel;
  evaluation: StepOutput<typeof evaluate>;
  registered: StepOutput<typeof registerModel>;
}): Promise<PromotionOutcome> {
  const { evaluation, registered } = args;
  return promoteIfEligible({
    request: args.request,
    approval: args.approval,
    modelName: registered.modelName,
    version: registered.version,
    metrics: evaluation.metrics,
    production: evaluation.production ?? null,
    signature: signatureOf(args.model),
    inProduction: evaluation.inProduction,
  });
}

export async function promoteIfEligible(args: {
  request: PromotionRequest;
  approval: PromotionApproval;
  modelName: string;
  version: string;
  metrics: ComparedMetrics;
  /** evaluate's `production`: the production version scored on the candidate's holdout rows (null: not scored). */
  production: { version: string; metrics: ComparedMetrics } | null;
  /** The candidate's signature (from train's model). */
  signature: ModelSignature;
  /** evaluate's `inProduction`: what was in production, scored or not (null: nothing; undefined: not reported). */
  inProduction: InProduction | null | undefined;
}): Promise<PromotionOutcome> {
  const { modelName, version } = args;
  // Runs started before model policies: their input (recorded with every default filled in) was the whole rules.
  let rules = rulesOf(promotionPolicy.parse(args.request));
  let applied: AppliedPolicy | undefined;
  if (patched(MODEL_POLICY_PATCH)) {
    try {
      const policy = await readModelPolicy({ modelName });
      const applicable = applicableRules(policy, args.request);
      rules = applicable.rules;
      applied = {
        version: policy.version,
        rules,
        ...(applicable.notApplied.length > 0 ? { notApplied: applicable.notApplied } : {}),
      };
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      // Fail safe: without the model's rules nothing is promoted; the run still ends with its registered version.
      const why = error.cause?.message ?? error.message;
      return recorded({
        promoted: false,
        modelName,
        version,
        reasons: [
          `the promotion policy of model "${modelName}" could not be read (${why}): the version stays in staging`,
        ],
        policy: {},
      });
    }
  }
  let production: ProductionStanding = args.production;
  let signature: SignatureJudgement | undefined;
  if (patched(SIGNATURE_PATCH) && rules.enabled) {
    signature = judgeSignature({
      rules,
      modelName,
      // Runs started before model policies (no `applied`) were held to their own input.
      policySource: applied?.version === undefined ? 'the run input' : policySource(applied.version),
      version,
      signature: args.signature,
      inProduction: args.inProduction,
      scored: args.production,
    });
    production = signature.production;
  }
  const judgement = judgePromotion(rules, args.metrics, production);
  const outcome: PromotionOutcome = {
    promoted: false,
    modelName,
    version,
    reasons: [...judgement.reasons, ...(signature?.reasons ?? [])],
    ...(applied ? { policy: applied } : {}),
  };
  if (!judgement.eligible || signature?.eligible === false) return recorded(outcome);

  let by = `pipeline ${workflowInfo().workflowId}`;
  if (rules.approval.required) {
    const { timeout, approverMustNotBeStarter } = rules.approval;
    const deadline = new Date(Date.now() + temporalDurationMs(timeout));
    const decision = await args.approval.wait(modelName, version, timeout, deadline, { approverMustNotBeStarter });
    if (decision === undefined) {
      outcome.approval = { expired: true, timeout };
      outcome.reasons.push(`no approval within ${timeout}: the version stays in staging`);
      return recorded(outcome);
    }
    outcome.approval = decision;
    outcome.reasons.push(
      `${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
    if (!decision.approved) return recorded(outcome);
    by = decision.by;
  }
  const promoted = await runStep(promoteModel, {
    modelName,
    version,
    stage: 'production',
    reason: outcome.reasons.join('; '),
    by,
  });
  return recorded({ ...outcome, promoted: true, previousProduction: promoted.previousProduction });
}

/** Makes the outcome findable: BatonStage is production or staging, the memo holds the reasons and the policy version. */
function recorded(outcome: PromotionOutcome): PromotionOutcome {
  upsertSearchAttributes([{ key: batonSearchAttributes.stage, value: outcome.promoted ? 'production' : 'staging' }]);
  const policyVersion = outcome.policy?.version;
  upsertMemo({
    promotion: {
      promoted: outcome.promoted,
      version: outcome.version,
      reasons: outcome.reasons,
      ...(policyVersion !== undefined ? { policyVersion } : {}),
    },
  });
  return outcome;
}
