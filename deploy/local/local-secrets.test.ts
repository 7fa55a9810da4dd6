import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveStepKey } from '../../template/node-ts/step-signature.ts';
import { ensureLocalSecrets, writeStepKeys } from './local-secrets.ts';

test('each function that declares its step key gets the key derived from the stack\'s signing key, and no other', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const secrets = await ensureLocalSecrets(data);
  assert.ok(secrets.signingKey.length >= 32);
  await writeStepKeys(secrets.dir, [
    { name: 'register-model', secrets: ['s3-access-key', 'baton-step-key-register-model'] },
    { name: 'predict', secrets: ['baton-step-key-predict'] },
    { name: 'echo', secrets: [] },
    { name: 'sneaky', secrets: ['baton-step-key-predict'] }, // asks for another's key: gets none of its own
  ]);
  const files = (await readdir(secrets.dir)).filter((name) => name.startsWith('baton-step-key-')).sort();
  assert.deepEqual(files, ['baton-step-key-predict', 'baton-step-key-register-model']);
  assert.equal(await readFile(join(secrets.dir, 'baton-step-key-register-model'), 'utf8'), deriveStepKey(secrets.signingKey, 'register-model'));
  assert.equal((await stat(join(secrets.dir, 'baton-step-key-predict'))).mode & 0o777, 0o600);
});

test('a declared step key without a signing key to derive it from is an error naming the secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeStepKeys(dir, [{ name: 'echo', secrets: [] }]); // nothing declared: nothing needed
  await assert.rejects(writeStepKeys(dir, [{ name: 'predict', secrets: ['baton-step-key-predict'] }]), /no "baton-signing-key"/);
});
