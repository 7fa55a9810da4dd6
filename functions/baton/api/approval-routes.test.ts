import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { signedIn } from '../auth/testing.ts';
import type { Principal } from '../auth/roles.ts';
import { approvalRoutes } from './approval-routes.ts';
import { answerError } from './trigger-api-error.ts';

const ann: Principal = { id: 'key:aaaaaaaaaaaa', name: 'ann', roles: ['approver'] };

/** A client whose runs answer every approval update with `answer`; records the decisions sent. */
function clientAnswering(answer: (decision: Record<string, unknown>) => unknown) {
  const sent: Record<string, unknown>[] = [];
  const client = {
    workflow: {
      getHandle: () => ({
        executeUpdate: async (_update: unknown, options: { args: [Record<string, unknown>] }) => {
          sent.push(options.args[0]);
          return answer(options.args[0]);
        },
      }),
    },
  } as unknown as Client;
  return { client, sent };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

test("a decision carries the approver's name and principal id from the credential", async () => {
  const { client, sent } = clientAnswering(() => ({ version: 'cccccccccccc', approved: true }));
  const app = signedIn(approvalRoutes({ client }), ann).onError(answerError);
  const response = await app.request('/run-1/approval', post('{"approved": true, "reason": "checked"}'));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { runId: 'run-1', version: 'cccccccccccc', approved: true, by: 'ann' });
  assert.deepEqual(sent, [{ approved: true, reason: 'checked', by: 'ann', byId: 'key:aaaaaaaaaaaa' }]);
});

test('a body naming the approver (by or byId) is refused: identities come from credentials', async () => {
  const { client, sent } = clientAnswering(() => ({}));
  const app = signedIn(approvalRoutes({ client }), ann).onError(answerError);
  for (const field of ['by', 'byId']) {
    const response = await app.request('/run-1/approval', post(`{"approved": true, "${field}": "key:someone-else"}`));
    assert.equal(response.status, 400, field);
    const answer = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
    assert.deepEqual(
      answer.error.issues.map((issue) => issue.path),
      [field],
    );
  }
  assert.equal(sent.length, 0);
});

test('the run refusing its own starter as approver is a 403 with its words; other refusals stay 409', async () => {
  const starter =
    'the policy of model "iris" requires an approver other than the one who started the run: ann started this run, so someone else with the approver role must decide';
  const refusing = clientAnswering(() => {
    throw new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({ message: starter, type: 'ApproverIsStarter', nonRetryable: true }),
    );
  });
  const forbidden = await signedIn(approvalRoutes({ client: refusing.client }), ann)
    .onError(answerError)
    .request('/run-1/approval', post('{"approved": true}'));
  assert.equal(forbidden.status, 403);
  assert.equal(((await forbidden.json()) as { error: { message: string } }).error.message, starter);
  const late = clientAnswering(() => {
    throw new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({ message: 'this run is not waiting for an approval (state: approved)' }),
    );
  });
  const conflict = await signedIn(approvalRoutes({ client: late.client }), ann)
    .onError(answerError)
    .request('/run-1/approval', post('{"approved": true}'));
  assert.equal(conflict.status, 409);
});
