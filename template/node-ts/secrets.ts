import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
export function readSecret(name: string, dir = process.env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR, rules: SecretRules = {}): string {
  const file = join(dir, name);
  let value: string;
  try {
    value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new Error(`secret "${name}" is missing: expected a file ${file} (declare it under the function's "secrets" in stack.yml)`);
  }
  if (!value.trim()) throw new Error(`secret "${name}" (${file}) is empty: give it a value`);
  const minLength = rules.minLength ?? 1;
  if (value.length < minLength) {
    throw new Error(`secret "${name}" (${file}) is too short: ${value.length} characters, at least ${minLength} needed (make one with: openssl rand -hex 32)`);
  }
  return value;
}
