import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signAttemptToken, verifyAttemptToken } from './callback-token.ts';

const identity = { workflowId: 'run-1', runId: 'abc', activityId: 'train', step: 'train-epochs', attempt: 2, taskToken: new Uint8Array([1, 2, 3, 250]) };

test('a token names its attempt and verifies with the key that signed it', () => {
  const token = signAttemptToken(identity, 'key-1');
  assert.match(token, /^[\w-]+\.[\w-]+$/, 'URL-safe');
  assert.deepEqual(verifyAttemptToken(token, 'key-1'), identity);
});

test('a token signed with another key, altered, or malformed is refused', () => {
  const token = signAttemptToken(identity, 'key-1');
  assert.equal(verifyAttemptToken(token, 'key-2'), undefined);
  const [payload, signature] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), n: 3 })).toString('base64url');
  assert.equal(verifyAttemptToken(`${forged}.${signature}`, 'key-1'), undefined, 'another attempt number breaks the HMAC');
  for (const bad of ['', 'x', 'a.b.c', `${payload}.`, `.${signature}`]) assert.equal(verifyAttemptToken(bad, 'key-1'), undefined, bad);
});
