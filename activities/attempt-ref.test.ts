import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openAttemptRef, sealAttemptRef } from './attempt-ref.ts';

const identity = {
  workflowId: 'run-1',
  runId: 'abc',
  activityId: 'train',
  step: 'train-epochs',
  fn: 'train-epochs',
  attempt: 2,
  taskToken: new Uint8Array([1, 2, 3, 250]),
};

test('a reference names its attempt and opens with the key that sealed it', () => {
  const ref = sealAttemptRef(identity, 'key-1');
  assert.match(ref, /^[\w-]+$/, 'URL-safe');
  assert.deepEqual(openAttemptRef(ref, 'key-1'), identity);
});

test('a reference shows nothing of the attempt: no ids, no task token, a new one each time', () => {
  const taskToken = new Uint8Array(Buffer.from('a-task-token-of-some-length-0123456789'));
  const ref = sealAttemptRef({ ...identity, taskToken }, 'key-1');
  const decoded = Buffer.from(ref, 'base64url').toString('latin1');
  for (const part of [
    'run-1',
    'train-epochs',
    Buffer.from(taskToken).toString('base64url'),
    Buffer.from(taskToken).toString('latin1'),
  ]) {
    assert.ok(!ref.includes(part) && !decoded.includes(part), `the reference reveals ${part}`);
  }
  assert.notEqual(sealAttemptRef({ ...identity, taskToken }, 'key-1'), ref, 'a fresh IV each time');
});

test('a reference sealed with another key, altered, or malformed does not open', () => {
  const ref = sealAttemptRef(identity, 'key-1');
  assert.equal(openAttemptRef(ref, 'key-2'), undefined);
  const bytes = Buffer.from(ref, 'base64url');
  bytes[14]! ^= 1;
  assert.equal(openAttemptRef(bytes.toString('base64url'), 'key-1'), undefined, 'one flipped bit breaks the seal');
  for (const bad of ['', 'x', 'a.b', `${ref}.x`, ref.slice(0, 20)])
    assert.equal(openAttemptRef(bad, 'key-1'), undefined, bad);
});
