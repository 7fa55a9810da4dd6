import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_KEY_SECRET } from '../../functions/baton/auth/authenticate.ts';
import { newApiKey } from '../../functions/baton/auth/api-key.ts';
import { CODEC_KEYS_SECRET, KEY_BYTES } from '../../functions/baton/codec/keys.ts';
import { s3CredentialSecrets } from '../../template/baton-node/secrets.ts';
import { SIGNING_KEY_SECRET, deriveStepKey, stepKeySecret } from '../../template/baton-node/step-signature.ts';
import type { FunctionSpec } from './stack-file.ts';

/**
 * The secrets of the local stack, generated once into `<data>/secrets/` (what functions may be given) and
 * `<data>/admin/` (what no function is given) and reused on every start.
 */
export interface LocalSecrets {
  dir: string;
  /**
   * MinIO's root user and password, in `<data>/admin/`: for the stack itself (it creates the bucket and each
   * function's own S3 user) and for tests and the demo, which inspect the bucket. No function's secrets come from there.
   */
  s3AccessKey: string;
  s3SecretKey: string;
  gatewayUser: string;
  gatewayPassword: string;
  /** Signs the callback and progress URLs of long steps. */
  callbackKey: string;
  /** The orchestrator's `baton-signing-key`: each function's step key is derived from it (writeStepKeys). */
  signingKey: string;
  /** Password of ingest-postgres's database role (the database itself is external: tests start one with it). */
  postgresPassword: string;
  /** Bearer token fetch-csv sends to its external data server (tests start one that requires it). */
  csvSourceToken: string;
  /** The bootstrap admin API key of the trigger API (`baton-admin-key`): it creates the other keys. */
  adminKey: string;
  /** The payload codec's keys (`<key-id>:<base64 key>` per line, the first encrypts): payloads in Temporal are encrypted. */
  codecKeys: string;
}

/**
 * Reads the local secrets, creating any that are missing: files with mode 0600 in a 0700 folder, inside a 0700 data
 * folder. Looser modes found (a copied or restored data folder) are tightened. An empty secret file is an error
 * naming it: making a new value would lock the stack out of what the old one protects (MinIO's data, for one).
 */
export async function ensureLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const dir = join(dataDir, 'secrets');
  const adminDir = join(dataDir, ADMIN_DIR);
  for (const folder of [dir, adminDir]) await mkdir(folder, { recursive: true, mode: 0o700 });
  for (const folder of [dataDir, dir, adminDir]) await tighten(folder, 0o700);
  await moveLegacyRootCredentials(dir, adminDir);
  const secret = async (name: string, make: () => string, folder = dir): Promise<string> => {
    const file = join(folder, name);
    let value: string;
    try {
      value = (await readFile(file, 'utf8')).trim();
    } catch {
      value = make();
      await writeFile(file, value, { mode: 0o600 });
      return value;
    }
    if (!value)
      throw new Error(
        `secret file ${file} is empty: put the secret's value in it, or delete the file to have a new one made`,
      );
    await tighten(file, 0o600);
    return value;
  };
  return {
    dir,
    s3AccessKey: await secret(MINIO_ROOT_USER, () => `baton-${randomBytes(6).toString('hex')}`, adminDir),
    s3SecretKey: await secret(MINIO_ROOT_PASSWORD, () => randomBytes(24).toString('base64url'), adminDir),
    gatewayUser: await secret('basic-auth-user', () => 'admin'),
    gatewayPassword: await secret('basic-auth-password', () => randomBytes(18).toString('base64url')),
    callbackKey: await secret('baton-callback-key', () => randomBytes(32).toString('base64url')),
    signingKey: await secret(SIGNING_KEY_SECRET, () => randomBytes(32).toString('base64url')),
    postgresPassword: await secret('postgres-password', () => randomBytes(18).toString('base64url')),
    csvSourceToken: await secret('fetch-csv-token', () => randomBytes(24).toString('base64url')),
    adminKey: await secret(ADMIN_KEY_SECRET, () => newApiKey().key),
    codecKeys: await secret(
      CODEC_KEYS_SECRET,
      () => `local-${new Date().toISOString().slice(0, 10)}:${randomBytes(KEY_BYTES).toString('base64')}\n`,
    ),
  };
}

/** The data folder's folder of secrets no function is given (MinIO's root credentials). */
const ADMIN_DIR = 'admin';
const MINIO_ROOT_USER = 'minio-root-user';
const MINIO_ROOT_PASSWORD = 'minio-root-password';

/**
 * Data folders made before each function had its own S3 user kept MinIO's root credentials in `secrets/` under the
 * names functions declared (`s3-access-key`, `s3-secret-key`): they move to `admin/`, values unchanged (MinIO's data
 * stays theirs), so no function can be given them again.
 */
async function moveLegacyRootCredentials(secretsDir: string, adminDir: string): Promise<void> {
  const moves: [string, string][] = [
    ['s3-access-key', MINIO_ROOT_USER],
    ['s3-secret-key', MINIO_ROOT_PASSWORD],
  ];
  for (const [legacy, name] of moves) {
    if ((await exists(join(adminDir, name))) || !(await exists(join(secretsDir, legacy)))) continue;
    await rename(join(secretsDir, legacy), join(adminDir, name));
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Removes the group and other bits of `path` when it has any (never widens what the owner set). */
async function tighten(path: string, mode: number): Promise<void> {
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, mode);
}

/**
 * Writes `baton-step-key-<name>` into `secretsDir` for every function that declares it, derived from the folder's
 * `baton-signing-key` (what an operator does once per function in production; docs/contracts.md). Each replica
 * still gets copies of its declared secrets only, so no function holds another's key.
 */
export async function writeStepKeys(
  secretsDir: string,
  functions: Pick<FunctionSpec, 'name' | 'secrets'>[],
): Promise<void> {
  const declaring = functions.filter((fn) => fn.secrets.includes(stepKeySecret(fn.name)));
  if (declaring.length === 0) return;
  let signingKey: string;
  try {
    signingKey = (await readFile(join(secretsDir, SIGNING_KEY_SECRET), 'utf8')).trim();
  } catch {
    throw new Error(
      `${declaring[0]!.name} declares its step key, but the secrets folder ${secretsDir} has no "${SIGNING_KEY_SECRET}" to derive it from`,
    );
  }
  for (const fn of declaring)
    await writeFile(join(secretsDir, stepKeySecret(fn.name)), deriveStepKey(signingKey, fn.name), { mode: 0o600 });
}

/**
 * Writes `s3-access-key-<fn>` and `s3-secret-key-<fn>` into `secretsDir` for every function with storage rights:
 * its own MinIO user (access key `baton-<fn>`) and a random password, made once and kept. Answers each function's
 * credentials, for the stack to create the users with (storage-users.ts).
 */
export async function writeStorageCredentials(
  secretsDir: string,
  functions: Pick<FunctionSpec, 'name' | 'storage'>[],
): Promise<Map<string, { accessKey: string; secretKey: string }>> {
  const credentials = new Map<string, { accessKey: string; secretKey: string }>();
  for (const fn of functions) {
    if (!fn.storage) continue;
    const names = s3CredentialSecrets(fn.name);
    credentials.set(fn.name, {
      accessKey: await keptOrMade(join(secretsDir, names.accessKey), () => `baton-${fn.name}`),
      secretKey: await keptOrMade(join(secretsDir, names.secretKey), () => randomBytes(24).toString('base64url')),
    });
  }
  return credentials;
}

/** The value in `file`, or a new one written there with mode 0600. */
async function keptOrMade(file: string, make: () => string): Promise<string> {
  const kept = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (kept) return kept;
  const value = make();
  await writeFile(file, value, { mode: 0o600 });
  return value;
}
