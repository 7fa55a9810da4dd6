/**
 * Storage rights: which prefixes of the artifact bucket a function may read, write and delete, declared once per
 * function in stack.yml as the annotation `com.baton.storage`, e.g. `read:models/` (predict) or
 * `read:runs/,datasets/ write:datasets/` (ingest); an entry may also be one object's key, e.g.
`read:models/,system/api-keys.json` (predict checks API keys in that one document). The local stack turns them into one MinIO user and policy per
 * function; in production the same policy documents go to AWS IAM or MinIO (docs/production.md, "Storage rights").
 */
import { s3CredentialSecrets } from '../../template/baton-node/secrets.ts';

/** The stack.yml annotation that declares a function's storage rights. */
export const STORAGE_ANNOTATION = 'com.baton.storage';

/** What a function may do under each of its prefixes or on each of its single keys (each list sorted, without repeats). */
export interface StorageRights {
  /** GetObject (and HeadObject, the source of a copy) plus ListBucket limited to these prefixes (or exactly these keys). */
  read: string[];
  /** PutObject (also multipart uploads and the target of a copy). */
  write: string[];
  /** DeleteObject. */
  delete: string[];
}

const RIGHTS = ['read', 'write', 'delete'] as const;
type Right = (typeof RIGHTS)[number];

/** A key prefix: one or more folder names, each ending with "/" (never the whole bucket, never a wildcard). */
const PREFIX = /^([a-z0-9][a-z0-9._-]*\/)+$/;
/** One object's key: folder names and a file name with an extension (so "read:models" stays a forgotten "/"). */
const OBJECT_KEY = /^([a-z0-9][a-z0-9._-]*\/)+[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

/** Whether an entry of the annotation names one object rather than everything under a prefix. */
export function isObjectKey(entry: string): boolean {
  return !entry.endsWith('/');
}

/**
 * Parses the annotation's value: clauses separated by spaces, each `<right>:<prefix>[,<prefix>...]` with right
 * `read`, `write` or `delete`, each right at most once. Errors start with `where` (the file and key).
 */
export function parseStorageRights(value: string, where: string): StorageRights {
  const rights: StorageRights = { read: [], write: [], delete: [] };
  const seen = new Set<Right>();
  const clauses = value.trim().split(/\s+/).filter(Boolean);
  const example = 'e.g. "read:runs/,datasets/ write:datasets/"';
  if (clauses.length === 0)
    throw new Error(
      `${where} is empty: name what the function may do, ${example}; or remove the annotation and the function's S3 secrets`,
    );
  for (const clause of clauses) {
    const colon = clause.indexOf(':');
    const right = clause.slice(0, colon) as Right;
    if (colon < 0 || !RIGHTS.includes(right)) {
      throw new Error(
        `${where}: "${clause}" must be <right>:<prefix>[,<prefix>...] with right read, write or delete, ${example}`,
      );
    }
    if (seen.has(right))
      throw new Error(`${where}: "${right}" is given twice; list all its prefixes in one clause, separated by commas`);
    seen.add(right);
    for (const prefix of clause.slice(colon + 1).split(',')) {
      if (!PREFIX.test(prefix) && !OBJECT_KEY.test(prefix)) {
        throw new Error(
          `${where}: ${right} prefix "${prefix}" must be folder names ending with "/", like "models/" or "runs/", or one object's key, like "system/api-keys.json" (lowercase letters, digits, ".", "_", "-"; not the whole bucket)`,
        );
      }
      rights[right].push(prefix);
    }
  }
  for (const right of RIGHTS) rights[right] = [...new Set(rights[right])].sort();
  return rights;
}

/** The rights as the annotation writes them (parseStorageRights' inverse). */
export function formatStorageRights(rights: StorageRights): string {
  return RIGHTS.filter((right) => rights[right].length > 0)
    .map((right) => `${right}:${rights[right].join(',')}`)
    .join(' ');
}

/**
 * Checks that a function declares its storage rights and its own S3 credentials together, and no other's: the
 * annotation ⇔ the secrets `s3-access-key-<fn>` and `s3-secret-key-<fn>`. A shared `s3-access-key` is refused when
 * the function has rights (it would bypass them). Errors start with `where` (the file and `functions.<fn>`).
 */
export function checkStorageSecrets(
  fn: string,
  rights: StorageRights | undefined,
  secrets: string[],
  where: string,
): void {
  const own = s3CredentialSecrets(fn);
  const s3Secrets = secrets.filter((secret) => /^s3-(access|secret)-key(-|$)/.test(secret));
  const foreign = s3Secrets.filter((secret) => secret !== own.accessKey && secret !== own.secretKey);
  if (foreign.length > 0) {
    const why = rights
      ? `a function uses only its own S3 user: declare "${own.accessKey}" and "${own.secretKey}"`
      : `declare the function's own "${own.accessKey}" and "${own.secretKey}" and what it may touch in annotations["${STORAGE_ANNOTATION}"]`;
    throw new Error(`${where}.secrets lists ${foreign.map((s) => `"${s}"`).join(', ')}: ${why}`);
  }
  const missing = [own.accessKey, own.secretKey].filter((secret) => !secrets.includes(secret));
  if (rights && missing.length > 0) {
    throw new Error(
      `${where}.annotations["${STORAGE_ANNOTATION}"] gives storage rights, but secrets lacks ${missing.map((s) => `"${s}"`).join(' and ')}: add them, or remove the annotation`,
    );
  }
  if (!rights && missing.length < 2) {
    throw new Error(
      `${where}.secrets lists the function's S3 credentials, but annotations["${STORAGE_ANNOTATION}"] is missing: say what it may touch, e.g. "read:models/"`,
    );
  }
}

/** An IAM policy document (AWS IAM and MinIO read the same JSON). */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow';
    Action: string[];
    Resource: string[];
    Condition?: { StringLike: { 's3:prefix': string[] } };
  }[];
}

/**
 * The policy that allows exactly `rights` in `bucket`: objects under the prefixes (or the single keys), and listing
 * only under the read prefixes (or of exactly the read keys: listing also makes a missing object answer 404 instead
 * of 403 on AWS). Nothing else: no other bucket, no bucket creation or configuration.
 */
export function storagePolicy(bucket: string, rights: StorageRights): PolicyDocument {
  const pattern = (entry: string) => (isObjectKey(entry) ? entry : `${entry}*`);
  const objects = (entries: string[]) => entries.map((entry) => `arn:aws:s3:::${bucket}/${pattern(entry)}`);
  const statements: PolicyDocument['Statement'] = [];
  if (rights.read.length > 0) {
    statements.push({ Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: objects(rights.read) });
    statements.push({
      Sid: 'ListReadPrefixes',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [`arn:aws:s3:::${bucket}`],
      Condition: { StringLike: { 's3:prefix': rights.read.map(pattern) } },
    });
  }
  if (rights.write.length > 0) {
    statements.push({
      Sid: 'WriteObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: objects(rights.write),
    });
  }
  if (rights.delete.length > 0) {
    statements.push({
      Sid: 'DeleteObjects',
      Effect: 'Allow',
      Action: ['s3:DeleteObject'],
      Resource: objects(rights.delete),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
