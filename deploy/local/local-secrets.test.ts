/** The local stack's secrets at rest: a 0700 data folder, 0600 files, looser modes tightened, empty files refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalSecrets } from './local-secrets.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('a new data folder gets 0700 folders and 0600 secret files', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'baton-data-')), 'data');
  const secrets = await ensureLocalSecrets(dataDir);
  assert.equal(modeOf(dataDir), 0o700);
  assert.equal(modeOf(secrets.dir), 0o700);
  assert.equal(modeOf(join(secrets.dir, 'baton-callback-key')), 0o600);
  assert.ok(secrets.callbackKey.length >= 32);
});

test('looser modes found are tightened, values kept; an empty secret file is an error naming it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-data-'));
  mkdirSync(join(dataDir, 'secrets'));
  writeFileSync(join(dataDir, 'secrets', 's3-secret-key'), 'kept-value-123');
  chmodSync(join(dataDir, 'secrets', 's3-secret-key'), 0o644);
  chmodSync(join(dataDir, 'secrets'), 0o755);
  chmodSync(dataDir, 0o755);
  const secrets = await ensureLocalSecrets(dataDir);
  assert.equal(secrets.s3SecretKey, 'kept-value-123');
  assert.deepEqual([modeOf(dataDir), modeOf(secrets.dir), modeOf(join(secrets.dir, 's3-secret-key'))], [0o700, 0o700, 0o600]);

  writeFileSync(join(secrets.dir, 'basic-auth-password'), '');
  await assert.rejects(ensureLocalSecrets(dataDir), /secret file .*basic-auth-password is empty/);
});
