/** How the trigger API answers errors that are not its own: a dependency unavailable is a 503 that says which. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '@temporalio/client';
import { Hono } from 'hono';
import { answerError } from './trigger-api-error.ts';

function appThrowing(error: Error) {
  const app = new Hono();
  app.get('/x', () => {
    throw error;
  });
  app.onError(answerError);
  return app;
}

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { message: string; correlationId: string } }).error;

test('Temporal unavailable (gRPC 14, as a start on a Temporal with a full disk gets) is a 503 to retry', async (t) => {
  t.mock.method(console, 'error', () => {});
  // What the client throws: a ServiceError whose cause is grpc-js's error with the status code.
  const grpc = Object.assign(new Error('14 UNAVAILABLE: shard status unknown'), { code: 14 });
  const response = await appThrowing(new ServiceError('Failed to start Workflow', { cause: grpc })).request('/x');
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('retry-after'), '5');
  const error = await errorOf(response);
  assert.match(
    error.message,
    /^Temporal is unavailable: try again shortly \(.*is its disk full\?\); the orchestrator's log/,
  );
  assert.ok(error.message.includes(error.correlationId));
  assert.doesNotMatch(error.message, /shard/); // the cause's own words stay in the log
});

test('a full object store is a 503 that says so; anything else stays a 500 that says nothing of the cause', async (t) => {
  t.mock.method(console, 'error', () => {});
  const full = Object.assign(new Error('Storage backend has reached its minimum free drive threshold.'), {
    code: 'XMinioStorageFull',
  });
  const response = await appThrowing(full).request('/x');
  assert.equal(response.status, 503);
  assert.match((await errorOf(response)).message, /^the storage is full \(disk full, XMinioStorageFull\): free space/);

  const other = await appThrowing(new Error('connect ECONNREFUSED 10.1.2.3:9000')).request('/x');
  assert.equal(other.status, 500);
  assert.match((await errorOf(other)).message, /^internal error: the orchestrator's log has the details/);
});
