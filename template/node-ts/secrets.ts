import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where OpenFaaS mounts a function's secrets; `BATON_SECRETS_DIR` overrides it on the local stack. */
export const DEFAULT_SECRETS_DIR = '/var/openfaas/secrets';

/** Reads one secret, trailing newline trimmed. The error names the secret and folder, never a value. */
export function readSecret(name: string, dir = process.env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR): string {
  try {
    return readFileSync(join(dir, name), 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new Error(`secret "${name}" is missing: expected a file ${join(dir, name)} (declare it under the function's "secrets" in stack.yml)`);
  }
}
