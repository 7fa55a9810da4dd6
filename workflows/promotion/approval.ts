/**
 * A person's go/no-go for promoting a model version, sent to the waiting run as a Temporal update (checked, with
 * an answer) or signal (fire-and-forget, e.g. from the Temporal Web UI). No decision before the deadline means
 * no promotion.
 */
import { condition, defineQuery, defineSignal, defineUpdate, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import { batonSearchAttributes } from '../search-attributes.ts';

/** What an approver sends. */
export const approvalDecision = z.object({
  approved: z.boolean(),
  by: z.string().trim().min(1).max(200).describe('Who decides (a name or an account id).'),
  reason: z.string().max(2000).optional(),
}).strict();
export type ApprovalDecision = z.infer<typeof approvalDecision>;

/** Where a run's approval stands (the `promotion` query's answer). */
export interface ApprovalStatus {
  state: 'not-needed-yet' | 'awaiting-approval' | 'approved' | 'rejected' | 'expired';
  modelName?: string;
  version?: string;
  /** The deadline as the workflow computed it (workflow time, ISO 8601). */
  deadline?: string;
  decision?: ApprovalDecision;
}

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
        if (!parsed.success) throw new Error(`invalid decision: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
        if (this.status.state !== 'awaiting-approval') throw new Error(`this run is not waiting for an approval (state: ${this.status.state})`);
      },
    });
    // Signals cannot be refused: a malformed or late one is ignored (the query shows the state).
    setHandler(approvePromotionSignal, (decision) => {
      if (this.status.state === 'awaiting-approval' && approvalDecision.safeParse(decision).success) this.record(decision);
    });
    setHandler(promotionStatusQuery, () => this.status);
  }

  /** Waits for a decision about `version` until `timeout` passes; undefined when none came in time. */
  async wait(modelName: string, version: string, timeout: string, deadline: Date): Promise<ApprovalDecision | undefined> {
    this.status = { state: 'awaiting-approval', modelName, version, deadline: deadline.toISOString() };
    upsertSearchAttributes([{ key: batonSearchAttributes.stage, value: 'awaiting-approval' }]);
    const decided = await condition(() => this.status.decision !== undefined, timeout);
    if (!decided) this.status = { ...this.status, state: 'expired' };
    return this.status.decision;
  }

  private record(raw: ApprovalDecision): ApprovalReceipt {
    const decision = approvalDecision.parse(raw);
    this.status = { ...this.status, state: decision.approved ? 'approved' : 'rejected', decision };
    return { version: this.status.version ?? '', approved: decision.approved };
  }
}
