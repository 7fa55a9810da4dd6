import { Hono } from 'hono';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { toErrorIssues } from '#baton-contract';
import { approvalDecision, approvePromotionUpdate, promotionStatusQuery } from '../../../workflows/promotion/approval.ts';
import { HttpError } from './http-error.ts';
import { readJsonBody } from './json-body.ts';

/**
 * `GET /runs/{id}/approval` (where the run's promotion approval stands) and `POST /runs/{id}/approval`
 * `{approved, by, reason?}`: a person's decision, delivered as a Temporal update so the answer says whether the
 * run took it.
 */
export function approvalRoutes(deps: { client: Client }): Hono {
  const app = new Hono();

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
    const body = approvalDecision.safeParse(await readJsonBody(c.req.raw, '{"approved": true, "by": "your name", "reason": "why"}'));
    if (!body.success) throw new HttpError(400, 'invalid approval', toErrorIssues(body.error));
    const handle = deps.client.workflow.getHandle(runId);
    try {
      const receipt = await handle.executeUpdate(approvePromotionUpdate, { args: [body.data] });
      return c.json({ runId, ...receipt, by: body.data.by });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new HttpError(404, `no run "${runId}"`);
      // The run refused the decision (not waiting, already decided): its own words.
      if (error instanceof WorkflowUpdateFailedError) throw new HttpError(409, error.cause?.message ?? error.message);
      throw error;
    }
  });

  return app;
}
