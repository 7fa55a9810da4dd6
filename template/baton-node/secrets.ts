import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_KEY_LENGTH, stepKeySecret } from './step-signature.ts';

/** Where OpenFaaS mounts a function's secrets; `BATON_SECRETS_DIR` overrides it on the local stack. */
export const DEFAULT_SECRETS_DIR = '/var/openfaas/secrets';

/** What a secret must be, beyond present and not empty. */
export interface SecretRules {
  /** Fewest characters: a key shorter than this is too weak to keep (say 32 for an HMAC key). */
  minLength?: number;
}

/**
 * Reads one secret, trailing newline trimmed. A missing, empty or too short secret is an error that names the secret
 * and its file, never a value.
 */
export function readSecret(
  name: string,
  dir = process.env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR,
  rules: SecretRules = {},
): string {
  const file = join(dir, name);
  let value: string;
  try {
    value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new Error(
      `secret "${name}" is missing: expected a file ${file} (declare it under the function's "secrets" in stack.yml)`,
    );
  }
  if (!value.trim()) throw new Error(`secret "${name}" (${file}) is empty: give it a value`);
  const minLength = rules.minLength ?? 1;
  if (value.length < minLength) {
    throw new Error(
      `secret "${name}" (${file}) is too short: ${value.length} characters, at least ${minLength} needed (make one with: openssl rand -hex 32)`,
    );
  }
  return value;
}

/** The function's step key and the name it is for (see step-signature.ts). */
export interface StepKey {
  fn: string;
  key: string;
}

/**
 * Reads this function's step key, the secret `baton-step-key-<function>`. OpenFaaS does not tell a function its
 * name, so without `BATON_FUNCTION` the one `baton-step-key-*` secret mounted names it. Errors name the secret.
 */
export function readStepKey(
  fn: string | undefined,
  dir = process.env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR,
): StepKey {
  let name = fn;
  if (!name) {
    const found = safeList(dir).filter((file) => file.startsWith(STEP_KEY_PREFIX));
    if (found.length !== 1) {
      throw new Error(
        `secret "${STEP_KEY_PREFIX}<function>" ${found.length ? 'is ambiguous: several are mounted' : 'is missing'} in ${dir}: declare the function's own step key under its "secrets" in stack.yml (or set BATON_FUNCTION)`,
      );
    }
    name = found[0]!.slice(STEP_KEY_PREFIX.length);
  }
  const secret = stepKeySecret(name);
  return { fn: name, key: readSecret(secret, dir, { minLength: MIN_KEY_LENGTH }).trim() };
}

const STEP_KEY_PREFIX = stepKeySecret('');

/** The secrets holding function `fn`'s own S3 user (least privilege: docs/production.md, "Storage rights"). */
export function s3CredentialSecrets(fn: string): { accessKey: string; secretKey: string } {
  return { accessKey: `${S3_ACCESS_KEY}-${fn}`, secretKey: `${S3_SECRET_KEY}-${fn}` };
}

const S3_ACCESS_KEY = 's3-access-key';
const S3_SECRET_KEY = 's3-secret-key';

/**
 * Reads the function's S3 credentials: its own pair `s3-access-key-<function>` + `s3-secret-key-<function>` (the one
 * `s3-access-key-*` secret mounted names it, as OpenFaaS does not tell a function its name), else the shared pair
 * `s3-access-key` + `s3-secret-key`. Errors name the secrets, never a value.
 */
export function readS3Credentials(dir = process.env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR): {
  accessKey: string;
  secretKey: string;
} {
  const own = safeList(dir).filter((file) => file.startsWith(`${S3_ACCESS_KEY}-`));
  if (own.length > 1) {
    throw new Error(
      `secret "${S3_ACCESS_KEY}-<function>" is ambiguous in ${dir}: ${own.sort().join(', ')} are mounted; a function declares only its own S3 credentials in stack.yml`,
    );
  }
  const names =
    own.length === 1
      ? s3CredentialSecrets(own[0]!.slice(S3_ACCESS_KEY.length + 1))
      : { accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY };
  return { accessKey: readSecret(names.accessKey, dir), secretKey: readSecret(names.secretKey, dir) };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
