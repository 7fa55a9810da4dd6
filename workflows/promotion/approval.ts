/**
 * A person's go/no-go for promoting a model version, sent to the waiting run as a Temporal update (checked, with
 * an answer) or signal (fire-and-forget, e.g. from the Temporal Web UI). No decision before the deadline means
 * no promotion.
 */
import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { describeZodError } from '#baton-contract';
import { batonSearchAttributes } from '../search-attributes.ts';

/** What an approver sends. */
export const approvalDecision = z
  .object({
    approved: z.boolean(),
    by: z.string().trim().min(1).max(200).describe('Who decides (a name or an account id).'),
    /** The approver's principal id, set by the trigger API from the credential (absent on decisions sent otherwise). */
    byId: z.string().min(1).max(200).optional(),
    reason: z.string().max(2000).optional(),
  })
  .strict();
export type ApprovalDecision = z.infer<typeof approvalDecision>;

/** Where a run's approval stands (the `promotion` query's answer). */
export interface ApprovalStatus {
  state: 'not-needed-yet' | 'awaiting-approval' | 'approved' | 'rejected' | 'expired';
  modelName?: string;
  version?: string;
  /** The deadline as the workflow computed it (workflow time, ISO 8601). */
  deadline?: string;
  /** True when the model's rules want an approver other than the run's starter. */
  approverMustNotBeStarter?: boolean;
  decision?: ApprovalDecision;
}

/** The type of the failure refusing a decision by the run's own starter (the API answers 403). */
export const APPROVER_IS_STARTER = 'ApproverIsStarter';

/** The update's answer: the decision as the run recorded it. */
export interface ApprovalReceipt {
  version: string;
  approved: boolean;
}

export const approvePromotionUpdate = defineUpdate<ApprovalReceipt, [ApprovalDecision]>('approvePromotion');
export const approvePromotionSignal = defineSignal<[ApprovalDecision]>('approvePromotion');
export const promotionStatusQuery = defineQuery<ApprovalStatus>('promotion');

/**
 * The approval gate of one run. Create it when the workflow starts (so the handlers exist before anyone sends a
 * decision); `wait` opens the gate for one version until a decision or the deadline.
 */
export class PromotionApproval {
  private status: ApprovalStatus = { state: 'not-needed-yet' };

  constructor() {
    setHandler(approvePromotionUpdate, (decision) => this.record(decision), {
      validator: (decision) => {
        const parsed = approvalDecision.safeParse(decision);
        if (!parsed.success) throw new Error(`invalid decision: ${describeZodError(parsed.error)}`);
        if (this.status.state !== 'awaiting-approval')
          throw new Error(`this run is not waiting for an approval (state: ${this.status.state})`);
        const refusal = this.refusal(parsed.data);
        if (refusal)
          throw ApplicationFailure.create({ message: refusal, type: APPROVER_IS_STARTER, nonRetryable: true });
      },
    });
    // Signals cannot be refused: a malformed, late or disallowed one is ignored (the query shows the state).
    setHandler(approvePromotionSignal, (decision) => {
      const parsed = approvalDecision.safeParse(decision);
      if (this.status.state === 'awaiting-approval' && parsed.success && this.refusal(parsed.data) === undefined)
        this.record(decision);
    });
    setHandler(promotionStatusQuery, () => this.status);
  }

  /**
   * Waits for a decision about `version` until `timeout` passes; undefined when none came in time. With
   * `approverMustNotBeStarter`, a decision whose `byId` is the run's starter's id (memo `startedBy.id`), or that
   * names no approver id, is refused.
   */
  async wait(
    modelName: string,
    version: string,
    timeout: string,
    deadline: Date,
    options: { approverMustNotBeStarter?: boolean } = {},
  ): Promise<ApprovalDecision | undefined> {
    this.status = {
      state: 'awaiting-approval',
      modelName,
      version,
      deadline: deadline.toISOString(),
      ...(options.approverMustNotBeStarter ? { approverMustNotBeStarter: true } : {}),
    };
    upsertSearchAttributes([{ key: batonSearchAttributes.stage, value: 'awaiting-approval' }]);
    const decided = await condition(() => this.status.decision !== undefined, timeout);
    if (!decided) this.status = { ...this.status, state: 'expired' };
    return this.status.decision;
  }

  /** Why the rules refuse `decision` (undefined: they do not). */
  private refusal(decision: ApprovalDecision): string | undefined {
    if (this.status.approverMustNotBeStarter !== true) return undefined;
    const rule = `the policy of model "${this.status.modelName ?? ''}" requires an approver other than the one who started the run`;
    if (decision.byId === undefined)
      return `${rule}, and this decision names no approver id: send it through the trigger API (POST /runs/{id}/approval) with your own credential`;
    if (decision.byId === startedById())
      return `${rule}: ${decision.by} started this run, so someone else with the approver role must decide`;
    return undefined;
  }

  private record(raw: ApprovalDecision): ApprovalReceipt {
    const decision = approvalDecision.parse(raw);
    this.status = { ...this.status, state: decision.approved ? 'approved' : 'rejected', decision };
    return { version: this.status.version ?? '', approved: decision.approved };
  }
}

/** The principal id that started the run (the trigger API's memo `startedBy.id`); undefined when started otherwise. */
function startedById(): string | undefined {
  const starter = workflowInfo().memo?.startedBy as { id?: unknown } | undefined;
  return typeof starter?.id === 'string' ? starter.id : undefined;
}
