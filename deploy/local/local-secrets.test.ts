/**
 * The local stack's secrets at rest (a 0700 data folder, 0600 files, looser modes tightened, empty files refused) and
 * the step keys each function gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveStepKey } from '../../template/baton-node/step-signature.ts';
import { ensureLocalSecrets, writeStepKeys, writeStorageCredentials } from './local-secrets.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('a new data folder gets 0700 folders and 0600 secret files', async (t) => {
  const parent = await mkdtemp(join(tmpdir(), 'baton-data-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const dataDir = join(parent, 'data');
  const secrets = await ensureLocalSecrets(dataDir);
  assert.equal(modeOf(dataDir), 0o700);
  assert.equal(modeOf(secrets.dir), 0o700);
  assert.equal(modeOf(join(secrets.dir, 'baton-callback-key')), 0o600);
  assert.ok(secrets.callbackKey.length >= 32);
});

test('looser modes found are tightened, values kept; an empty secret file is an error naming it', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-data-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  mkdirSync(join(dataDir, 'secrets'));
  writeFileSync(join(dataDir, 'secrets', 'baton-callback-key'), 'kept-value-123');
  chmodSync(join(dataDir, 'secrets', 'baton-callback-key'), 0o644);
  chmodSync(join(dataDir, 'secrets'), 0o755);
  chmodSync(dataDir, 0o755);
  const secrets = await ensureLocalSecrets(dataDir);
  assert.equal(secrets.callbackKey, 'kept-value-123');
  assert.deepEqual(
    [modeOf(dataDir), modeOf(secrets.dir), modeOf(join(secrets.dir, 'baton-callback-key'))],
    [0o700, 0o700, 0o600],
  );

  writeFileSync(join(secrets.dir, 'basic-auth-password'), '');
  await assert.rejects(ensureLocalSecrets(dataDir), /secret file .*basic-auth-password is empty/);
});

test("each function that declares its step key gets the key derived from the stack's signing key, and no other", async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const secrets = await ensureLocalSecrets(data);
  assert.ok(secrets.signingKey.length >= 32);
  await writeStepKeys(secrets.dir, [
    { name: 'register-model', secrets: ['s3-access-key-register-model', 'baton-step-key-register-model'] },
    { name: 'predict', secrets: ['baton-step-key-predict'] },
    { name: 'echo', secrets: [] },
    { name: 'sneaky', secrets: ['baton-step-key-predict'] }, // asks for another's key: gets none of its own
  ]);
  const files = (await readdir(secrets.dir)).filter((name) => name.startsWith('baton-step-key-')).sort();
  assert.deepEqual(files, ['baton-step-key-predict', 'baton-step-key-register-model']);
  assert.equal(
    await readFile(join(secrets.dir, 'baton-step-key-register-model'), 'utf8'),
    deriveStepKey(secrets.signingKey, 'register-model'),
  );
  assert.equal((await stat(join(secrets.dir, 'baton-step-key-predict'))).mode & 0o777, 0o600);
});

test('a declared step key without a signing key to derive it from is an error naming the secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeStepKeys(dir, [{ name: 'echo', secrets: [] }]); // nothing declared: nothing needed
  await assert.rejects(
    writeStepKeys(dir, [{ name: 'predict', secrets: ['baton-step-key-predict'] }]),
    /no "baton-signing-key"/,
  );
});

test("MinIO's root credentials live outside the functions' secrets folder; an old data folder's are moved there, values kept", async (t) => {
  const fresh = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(fresh, { recursive: true, force: true }));
  const made = await ensureLocalSecrets(fresh);
  assert.ok(
    !(await readdir(made.dir)).some((name) => name.startsWith('s3-') || name.startsWith('minio-')),
    'no storage credential in secrets/',
  );
  assert.equal(await readFile(join(fresh, 'admin', 'minio-root-password'), 'utf8'), made.s3SecretKey);
  assert.equal(modeOf(join(fresh, 'admin')), 0o700);

  const old = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(old, { recursive: true, force: true }));
  mkdirSync(join(old, 'secrets'));
  writeFileSync(join(old, 'secrets', 's3-access-key'), 'baton-0123456789ab', { mode: 0o600 });
  writeFileSync(join(old, 'secrets', 's3-secret-key'), 'old-root-password', { mode: 0o600 });
  const moved = await ensureLocalSecrets(old);
  assert.deepEqual([moved.s3AccessKey, moved.s3SecretKey], ['baton-0123456789ab', 'old-root-password']);
  assert.ok(
    !(await readdir(moved.dir)).includes('s3-access-key') && !(await readdir(moved.dir)).includes('s3-secret-key'),
  );
});

test('each function with storage rights gets its own S3 credentials, kept across starts; others get none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rights = { read: ['models/'], write: [], delete: [] };
  const first = await writeStorageCredentials(dir, [{ name: 'predict', storage: rights }, { name: 'flaky' }]);
  assert.deepEqual([...first.keys()], ['predict']);
  assert.equal(first.get('predict')!.accessKey, 'baton-predict');
  assert.ok(first.get('predict')!.secretKey.length >= 32);
  assert.deepEqual((await readdir(dir)).sort(), ['s3-access-key-predict', 's3-secret-key-predict']);
  assert.equal(modeOf(join(dir, 's3-secret-key-predict')), 0o600);
  const again = await writeStorageCredentials(dir, [{ name: 'predict', storage: rights }]);
  assert.deepEqual(again.get('predict'), first.get('predict'));
});
