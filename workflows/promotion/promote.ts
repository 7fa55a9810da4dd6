/** The promotion stage of a training pipeline: the rules, then maybe a person, then the registry. */
// The same parser Temporal applies to the `condition` timeout, so the deadline shown is the one that holds.
import { msToNumber } from '@temporalio/common/lib/time.js';
import { upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { runStep } from '../run-step.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { promoteModel } from '../steps/promote-model.ts';
import type { ApprovalDecision, PromotionApproval } from './approval.ts';
import { judgePromotion, type ComparedMetrics, type PromotionPolicy } from './policy.ts';

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
}

/** Applies `policy` to the registered candidate and promotes it to production when everything agrees. */
export async function promoteIfEligible(args: {
  policy: PromotionPolicy;
  approval: PromotionApproval;
  modelName: string;
  version: string;
  metrics: ComparedMetrics;
  production: { version: string; metrics: ComparedMetrics } | null;
}): Promise<PromotionOutcome> {
  const { policy, modelName, version } = args;
  const judgement = judgePromotion(policy, args.metrics, args.production);
  const outcome: PromotionOutcome = { promoted: false, modelName, version, reasons: judgement.reasons };
  if (!judgement.eligible) return recorded(outcome);

  let by = `pipeline ${workflowInfo().workflowId}`;
  if (policy.approval.required) {
    const deadline = new Date(Date.now() + msToNumber(policy.approval.timeout));
    const decision = await args.approval.wait(modelName, version, policy.approval.timeout, deadline);
    if (decision === undefined) {
      outcome.approval = { expired: true, timeout: policy.approval.timeout };
      outcome.reasons.push(`no approval within ${policy.approval.timeout}: the version stays in staging`);
      return recorded(outcome);
    }
    outcome.approval = decision;
    outcome.reasons.push(`${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`);
    if (!decision.approved) return recorded(outcome);
    by = decision.by;
  }
  const promoted = await runStep(promoteModel, { modelName, version, stage: 'production', reason: outcome.reasons.join('; '), by });
  return recorded({ ...outcome, promoted: true, previousProduction: promoted.previousProduction });
}

/** Makes the outcome findable: BatonStage is production or staging, the memo holds the reasons. */
function recorded(outcome: PromotionOutcome): PromotionOutcome {
  upsertSearchAttributes([{ key: batonSearchAttributes.stage, value: outcome.promoted ? 'production' : 'staging' }]);
  upsertMemo({ promotion: { promoted: outcome.promoted, version: outcome.version, reasons: outcome.reasons } });
  return outcome;
}
