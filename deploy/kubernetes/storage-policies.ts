/**
 * Prints, as JSON, each function's storage rights from stack.yml and the IAM policy document that grants exactly
 * them, for creating one S3 user per function in AWS IAM or MinIO (docs/production.md, "Storage rights"):
 * `node --import tsx deploy/kubernetes/storage-policies.ts [bucket]` (default: each function's BATON_ARTIFACT_BUCKET).
 */
import { s3CredentialSecrets } from '../../template/baton-node/secrets.ts';
import { loadStackFiles } from '../local/stack-file.ts';
import { formatStorageRights } from '../local/storage-rights.ts';
import { storageUsers } from '../local/storage-users.ts';
import { stackFile } from './chart-data.ts';

const bucket = process.argv[2];
const { functions } = await loadStackFiles([stackFile]);
const placeholders = new Map(functions.map((fn) => [fn.name, { accessKey: '', secretKey: '' }]));
const users = storageUsers(functions, placeholders, bucket ? { BATON_ARTIFACT_BUCKET: bucket } : {});
const out = Object.fromEntries(
  users.map((user) => {
    const fn = functions.find((f) => f.name === user.fn)!;
    return [
      user.fn,
      { rights: formatStorageRights(fn.storage!), secrets: s3CredentialSecrets(user.fn), policy: user.document },
    ];
  }),
);
console.log(JSON.stringify(out, null, 2));
