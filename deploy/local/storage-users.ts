/**
 * Gives every function of the local stack its own MinIO user, limited by a policy to the prefixes its
 * `com.baton.storage` annotation names, and creates the artifact bucket. MinIO's root credentials stay with the
 * stack: they go to minio_users.py on stdin and reach no function.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FunctionSpec } from './stack-file.ts';
import { storagePolicy, type PolicyDocument } from './storage-rights.ts';

/** The bucket when a function's environment names none (the templates' default too). */
export const DEFAULT_ARTIFACT_BUCKET = 'baton-artifacts';
/** Users and policies the stack made are named `baton-<fn>`; others with this prefix are removed. */
const USER_PREFIX = 'baton-';
const SCRIPT = fileURLToPath(new URL('./minio_users.py', import.meta.url));

/** One function's MinIO user and its policy. */
export interface StorageUser {
  fn: string;
  accessKey: string;
  secretKey: string;
  /** Policy name (`baton-<fn>`) and document. */
  policy: string;
  document: PolicyDocument;
  bucket: string;
}

/**
 * The users to create: one per function with storage rights, with the credentials written for it and a policy over
 * the bucket its environment names (`BATON_ARTIFACT_BUCKET`, after `envOverrides`).
 */
export function storageUsers(
  functions: Pick<FunctionSpec, 'name' | 'storage' | 'environment'>[],
  credentials: Map<string, { accessKey: string; secretKey: string }>,
  envOverrides: Record<string, string> = {},
): StorageUser[] {
  const users: StorageUser[] = [];
  for (const fn of functions) {
    if (!fn.storage) continue;
    const own = credentials.get(fn.name);
    if (!own) throw new Error(`function ${fn.name} has storage rights but no S3 credentials were written for it`);
    const bucket =
      envOverrides.BATON_ARTIFACT_BUCKET || fn.environment.BATON_ARTIFACT_BUCKET || DEFAULT_ARTIFACT_BUCKET;
    users.push({
      fn: fn.name,
      ...own,
      policy: `${USER_PREFIX}${fn.name}`,
      document: storagePolicy(bucket, fn.storage),
      bucket,
    });
  }
  return users;
}

/** Where MinIO is and its root credentials. */
export interface MinioAdminTarget {
  /** e.g. `http://127.0.0.1:9000`. */
  url: string;
  rootUser: string;
  rootPassword: string;
}

/**
 * Creates the buckets the users need and each user with its policy (existing ones are updated), and removes the
 * `baton-*` users and policies of functions no longer in the stack. Runs the virtualenv's `python` (the pinned
 * `minio` package's MinioAdmin). Answers the users it removed. Errors say what failed, never a credential.
 */
export async function createStorageUsers(
  python: string,
  target: MinioAdminTarget,
  users: StorageUser[],
  timeoutMs = 60_000,
): Promise<{ removed: string[] }> {
  const plan = {
    endpoint: new URL(target.url).host,
    rootUser: target.rootUser,
    rootPassword: target.rootPassword,
    buckets: [...new Set(users.map((user) => user.bucket))],
    users: users.map(({ accessKey, secretKey, policy, document }) => ({ accessKey, secretKey, policy, document })),
    prunePrefix: USER_PREFIX,
  };
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  child.stdin.end(JSON.stringify(plan));
  let code: number | null;
  try {
    code = await exit;
  } catch (error) {
    throw new Error(
      `creating the functions' S3 users in MinIO: cannot run ${python} (${(error as Error).message}); run npm run setup`,
      { cause: error },
    );
  }
  if (code !== 0) {
    const why = stderr.trim().split('\n').at(-1) || `exit code ${code ?? 'none (timed out)'}`;
    throw new Error(`creating the functions' S3 users in MinIO at ${target.url} failed: ${why}`);
  }
  return { removed: (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { removed?: string[] }).removed ?? [] };
}
