/** Secrets on disk: present, not empty, long enough; errors name the secret and its file, never a value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readS3Credentials, readSecret } from './secrets.ts';
import { tempFolders } from '../../test/support/temp-folders.ts';

const folder = tempFolders('baton-secrets-');
const dir = folder();
const put = (name: string, value: string) => writeFileSync(join(dir, name), value);

test('a secret is read with its trailing newline trimmed', () => {
  put('token', 'abc\n');
  assert.equal(readSecret('token', dir), 'abc');
});

test('missing, empty and too short secrets are refused, naming the secret and file but not the value', () => {
  assert.throws(() => readSecret('absent', dir), /secret "absent" is missing: expected a file .*absent/);
  put('blank', '\n');
  assert.throws(() => readSecret('blank', dir), /secret "blank" \(.*blank\) is empty/);
  put('weak-key', 'hunter2\n');
  assert.throws(
    () => readSecret('weak-key', dir, { minLength: 32 }),
    (error: Error) =>
      /secret "weak-key" .* is too short: 7 characters, at least 32 needed/.test(error.message) &&
      !error.message.includes('hunter2'),
  );
  put('key', `${'k'.repeat(32)}\n`);
  assert.equal(readSecret('key', dir, { minLength: 32 }).length, 32);
});

test("S3 credentials: the function's own pair when mounted, else the shared pair; two own pairs are ambiguous", () => {
  const own = folder();
  writeFileSync(join(own, 's3-access-key-predict'), 'baton-predict\n');
  writeFileSync(join(own, 's3-secret-key-predict'), 'predict-password\n');
  writeFileSync(join(own, 'baton-step-key-predict'), 'k'.repeat(32));
  assert.deepEqual(readS3Credentials(own), { accessKey: 'baton-predict', secretKey: 'predict-password' });

  const shared = folder();
  writeFileSync(join(shared, 's3-access-key'), 'shared-user');
  writeFileSync(join(shared, 's3-secret-key'), 'shared-password');
  assert.deepEqual(readS3Credentials(shared), { accessKey: 'shared-user', secretKey: 'shared-password' });

  writeFileSync(join(own, 's3-access-key-ingest'), 'baton-ingest');
  assert.throws(
    () => readS3Credentials(own),
    /"s3-access-key-<function>" is ambiguous .*s3-access-key-ingest, s3-access-key-predict are mounted/,
  );
  const half = folder();
  writeFileSync(join(half, 's3-access-key-predict'), 'baton-predict');
  assert.throws(() => readS3Credentials(half), /secret "s3-secret-key-predict" is missing/);
});
