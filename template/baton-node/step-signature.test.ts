import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { deriveStepKey, signStepCall, signatureProblem } from './step-signature.ts';

const signingKey = 'orchestrator-signing-key-0123456789abcdef';
const run = { workflowId: 'wf', runId: 'r1', step: 'register', attempt: 2 };
const body = JSON.stringify({ input: { a: 1 }, run: { ...run, pipeline: 'p' } });
const now = 1_800_000_000;

test('each function gets its own 64-hex-character key, stable for a signing key', () => {
  const a = deriveStepKey(signingKey, 'register-model');
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(deriveStepKey(signingKey, 'register-model'), a);
  assert.notEqual(deriveStepKey(signingKey, 'promote-model'), a);
  assert.notEqual(deriveStepKey('another-signing-key-0123456789abcdef', 'register-model'), a);
});

test('the documented openssl command derives the same key (operators make the secrets with it)', (t) => {
  let hex: string;
  try {
    hex = execFileSync(
      'openssl',
      [
        'kdf',
        '-keylen',
        '32',
        '-kdfopt',
        'digest:SHA256',
        '-kdfopt',
        `key:${signingKey}`,
        '-kdfopt',
        'salt:baton-step-key',
        '-kdfopt',
        'info:register-model',
        'HKDF',
      ],
      { encoding: 'utf8' },
    );
  } catch {
    t.skip('openssl 3 is not installed');
    return;
  }
  assert.equal(hex.trim().replaceAll(':', '').toLowerCase(), deriveStepKey(signingKey, 'register-model'));
});

test('a signature holds for exactly the function, run, body and time it was made for', () => {
  const key = deriveStepKey(signingKey, 'register-model');
  const header = signStepCall({ fn: 'register-model', run, expires: now + 60 }, body, key);
  assert.match(header, /^v1,exp=\d+,sig=[A-Za-z0-9_-]{43}$/);
  assert.equal(signatureProblem(header, { fn: 'register-model', run }, body, key, now), undefined);
  assert.equal(
    signatureProblem(header, { fn: 'register-model', run }, Buffer.from(body), key, now),
    undefined,
    'bytes or text',
  );

  assert.match(signatureProblem(undefined, { fn: 'register-model', run }, body, key, now)!, /missing/);
  assert.match(signatureProblem(header, { fn: 'register-model', run }, body, key, now + 61)!, /expired/);
  assert.match(
    signatureProblem(header, { fn: 'promote-model', run }, body, deriveStepKey(signingKey, 'promote-model'), now)!,
    /not signed for promote-model/,
  );
  assert.match(
    signatureProblem(header, { fn: 'register-model', run }, body.replace('"a":1', '"a":2'), key, now)!,
    /altered/,
  );
  assert.match(
    signatureProblem(header, { fn: 'register-model', run: { ...run, attempt: 3 } }, body, key, now)!,
    /altered/,
  );
  assert.match(
    signatureProblem(header.replace(/exp=\d+/, `exp=${now + 9999}`), { fn: 'register-model', run }, body, key, now)!,
    /does not match/,
    'the expiry is signed',
  );
  assert.match(signatureProblem('v1,exp=1,sig=abc', { fn: 'register-model', run }, body, key, now)!, /malformed/);
});
