import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureType } from '#baton-contract';
import { classifyConnectionError, classifyHttpFailure, parseRetryAfter } from './classify-response.ts';

test('bad input and unknown functions are not retried', () => {
  for (const status of [400, 404, 422]) {
    assert.equal(classifyHttpFailure('train', status, undefined, '').retryable, false, String(status));
  }
  assert.equal(classifyHttpFailure('train', 404, undefined, '').type, FailureType.FunctionNotFound);
  assert.equal(classifyHttpFailure('train', 403, undefined, '').retryable, false);
});

test('unavailability, timeouts and lost connections are retried', () => {
  for (const status of [500, 502, 503, 504])
    assert.equal(classifyHttpFailure('train', status, undefined, '').retryable, true, String(status));
  assert.equal(classifyHttpFailure('train', 504, undefined, '').type, FailureType.FunctionTimeout);
  const refused = classifyConnectionError(
    'train',
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  );
  assert.equal(refused.retryable, true);
  assert.match(refused.message, /function "train" could not be reached \(ECONNREFUSED\)/);
});

test('429 is retried after Retry-After, in seconds or as a date', () => {
  const busy = classifyHttpFailure('train', 429, '7', '');
  assert.equal(busy.retryable, true);
  assert.equal(busy.retryAfterMs, 7000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000);
  assert.equal(parseRetryAfter('soon', now), undefined);
});

test("a 503 with Retry-After (a step's StepUnavailableError) is retried after it; without one, with backoff", () => {
  const later = classifyHttpFailure(
    'ingest-postgres',
    503,
    '30',
    '{"error":{"message":"database down","type":"Unavailable"}}',
  );
  assert.deepEqual([later.retryable, later.type, later.retryAfterMs], [true, FailureType.FunctionUnavailable, 30_000]);
  assert.equal(classifyHttpFailure('train', 503, undefined, '').retryAfterMs, undefined);
  assert.equal(classifyHttpFailure('train', 500, '30', '').retryAfterMs, undefined);
});

test("the function's own error message and failing fields reach the failure message", () => {
  const body = JSON.stringify({
    error: { message: 'invalid input for train', issues: [{ path: 'input.model.params.C', message: 'must be > 0' }] },
  });
  const failure = classifyHttpFailure('train', 422, undefined, body);
  assert.equal(
    failure.message,
    'function "train" rejected its input (422): invalid input for train (input.model.params.C: must be > 0)',
  );
  const long = classifyHttpFailure('train', 500, undefined, 'x'.repeat(5000));
  assert.ok(long.message.length < 600, 'long bodies are cut');
});

test('a 5xx saying the disk is full is retried under its own type, with a message that says so', () => {
  const minio =
    'S3 operation failed; code: XMinioStorageFull, message: Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.';
  const full = classifyHttpFailure('ingest', 500, undefined, JSON.stringify({ error: { message: minio } }));
  assert.equal(full.retryable, true);
  assert.equal(full.type, FailureType.StorageFull);
  assert.match(full.message, /^function "ingest" failed \(500\): the storage is full \(disk full, XMinioStorageFull\)/);
  assert.match(full.message, /minimum free drive threshold/);
  const local = classifyHttpFailure('train', 500, undefined, "[Errno 28] No space left on device: '/tmp/x'");
  assert.match(local.message, /storage is full \(disk full, ENOSPC\)/);
  assert.equal(classifyHttpFailure('report', 507, undefined, '').type, FailureType.StorageFull);
  // The templates' own 507 (template/baton-node/server.ts, baton_step/app.py): said once, not twice.
  const templated = classifyHttpFailure(
    'report',
    507,
    undefined,
    JSON.stringify({ error: { message: `the storage is full: ${minio}`, type: 'StorageFull' } }),
  );
  assert.equal(templated.message.match(/the storage is full/g)?.length, 1, templated.message);
  assert.match(templated.message, /there is room: S3 operation failed; code: XMinioStorageFull/);
  // A 4xx naming the code is the caller's fault, not the disk's.
  assert.equal(classifyHttpFailure('ingest', 400, undefined, minio).type, FailureType.FunctionRejectedInput);
  assert.equal(classifyHttpFailure('ingest', 500, undefined, 'boom').type, FailureType.FunctionUnavailable);
});
