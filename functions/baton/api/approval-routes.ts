import { Hono } from 'hono';
import { z } from 'zod';
import {
  ApplicationFailure,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { toErrorIssues } from '#baton-contract';
import {
  APPROVER_IS_STARTER,
  approvalDecision,
  approvePromotionUpdate,
  promotionStatusQuery,
} from '../../../workflows/promotion/approval.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { readJsonBody } from './json-body.ts';
import type { RouteDocs } from './route-doc.ts';

/**
 * `GET /runs/{id}/approval` (where the run's promotion approval stands) and `POST /runs/{id}/approval`
 * `{approved, reason?}`: a person's decision, delivered as a Temporal update so the answer says whether the
 * run took it. Who decided (`by`, the name, and `byId`, the principal id a model's policy may compare with the run's
 * starter) comes from the credential, never from the body.
 */
const fromCredential = z.never({ error: 'is taken from your credential: leave it out' }).optional();
export const decisionBody = approvalDecision
  .omit({ by: true, byId: true })
  .extend({ by: fromCredential, byId: fromCredential })
  .strict();

export function approvalRoutes(deps: { client: Client }): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/:runId/approval', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    try {
      return c.json({ runId, ...(await handle.query(promotionStatusQuery)) });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new TriggerApiError(404, `no run "${runId}"`);
      // The run's pipeline has no approval step (the fuzzer found this as a 500).
      if (error instanceof QueryNotRegisteredError)
        throw new TriggerApiError(404, `run "${runId}" has no promotion approval: its pipeline does not ask for one`);
      throw error;
    }
  });

  app.post('/:runId/approval', async (c) => {
    const runId = c.req.param('runId');
    const body = decisionBody.safeParse(await readJsonBody(c.req.raw, '{"approved": true, "reason": "why"}'));
    if (!body.success) throw new TriggerApiError(400, 'invalid approval', toErrorIssues(body.error));
    const { name: by, id: byId } = principalOf(c);
    const handle = deps.client.workflow.getHandle(runId);
    try {
      const receipt = await handle.executeUpdate(approvePromotionUpdate, {
        args: [{ approved: body.data.approved, reason: body.data.reason, by, byId }],
      });
      return c.json({ runId, ...receipt, by });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw await closedOrMissing(handle, runId);
      // The run refused the decision: its own words; 403 when the model's policy wants someone other than the starter.
      if (error instanceof WorkflowUpdateFailedError) {
        const starter = error.cause instanceof ApplicationFailure && error.cause.type === APPROVER_IS_STARTER;
        throw new TriggerApiError(starter ? 403 : 409, error.cause?.message ?? error.message);
      }
      throw error;
    }
  });

  return app;
}

/** Temporal answers an update to a closed run as "not found": say which it is. */
async function closedOrMissing(handle: WorkflowHandle, runId: string): Promise<TriggerApiError> {
  try {
    const status = (await handle.describe()).status.name.toLowerCase();
    return new TriggerApiError(409, `run "${runId}" is ${status}: it takes no decision any more`);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return new TriggerApiError(404, `no run "${runId}"`);
    throw error;
  }
}

const approvalStatus = z.looseObject({
  runId: z.string(),
  state: z.enum(['not-needed-yet', 'awaiting-approval', 'approved', 'rejected', 'expired']),
  modelName: z.string().optional(),
  version: z.string().optional(),
  deadline: z.string().optional(),
  decision: approvalDecision.optional(),
});

/** The approval routes in the OpenAPI document. */
export const approvalRouteDocs: RouteDocs = {
  'GET /runs/:runId/approval': {
    tag: 'approvals',
    summary: "Where a run's promotion approval stands",
    responses: {
      200: { description: 'The approval state', schema: approvalStatus },
      404: 'No such run, or its pipeline asks for no approval',
    },
  },
  'POST /runs/:runId/approval': {
    tag: 'approvals',
    summary: "Approve or reject a run's promotion",
    description: 'Who decided is taken from the credential; a body that sets `by` is refused.',
    body: decisionBody,
    responses: {
      200: {
        description: 'The run took the decision',
        schema: z.looseObject({ runId: z.string(), version: z.string(), approved: z.boolean(), by: z.string() }),
      },
      400: 'An invalid body',
      404: 'No such run',
      409: 'The run refused the decision (not waiting for one, already decided, or closed), in its own words',
    },
  },
};
