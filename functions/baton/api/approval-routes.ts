import { Hono } from 'hono';
import { z } from 'zod';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { toErrorIssues } from '#baton-contract';
import { APPROVER_IS_STARTER, approvalDecision, approvePromotionUpdate, promotionStatusQuery } from '../../../workflows/promotion/approval.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { HttpError } from './http-error.ts';
import { readJsonBody } from './json-body.ts';

/**
 * `GET /runs/{id}/approval` (where the run's promotion approval stands) and `POST /runs/{id}/approval`
 * `{approved, reason?}`: a person's decision, delivered as a Temporal update so the answer says whether the
 * run took it. Who decided (`by`, the name, and `byId`, the principal id a model's policy may compare with the run's
 * starter) comes from the credential, never from the body.
 */
const fromCredential = z.never({ error: 'is taken from your credential: leave it out' }).optional();
const decisionBody = approvalDecision.omit({ by: true, byId: true }).extend({ by: fromCredential, byId: fromCredential }).strict();

export function approvalRoutes(deps: { client: Client }): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/:runId/approval', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    try {
      return c.json({ runId, ...(await handle.query(promotionStatusQuery)) });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpError(404, `no run "${runId}"`);
      throw error;
    }
  });

  app.post('/:runId/approval', async (c) => {
    const runId = c.req.param('runId');
    const body = decisionBody.safeParse(await readJsonBody(c.req.raw, '{"approved": true, "reason": "why"}'));
    if (!body.success) throw new HttpError(400, 'invalid approval', toErrorIssues(body.error));
    const { name: by, id: byId } = principalOf(c);
    const handle = deps.client.workflow.getHandle(runId);
    try {
      const receipt = await handle.executeUpdate(approvePromotionUpdate, { args: [{ approved: body.data.approved, reason: body.data.reason, by, byId }] });
      return c.json({ runId, ...receipt, by });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpError(404, `no run "${runId}"`);
      // The run refused the decision: its own words; 403 when the model's policy wants someone other than the starter.
      if (error instanceof WorkflowUpdateFailedError) {
        const starter = error.cause instanceof ApplicationFailure && error.cause.type === APPROVER_IS_STARTER;
        throw new HttpError(starter ? 403 : 409, error.cause?.message ?? error.message);
      }
      throw error;
    }
  });

  return app;
}
