import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes `targetDir` hold copies of exactly the secrets `fn` declares (one file per secret, mode 0600), taken from
 * `secretsDir`. Errors name the function and the secret, never a secret's value.
 */
export async function prepareSecrets(
  fn: string,
  secrets: string[],
  secretsDir: string,
  targetDir: string,
): Promise<void> {
  await rm(targetDir, { recursive: true, force: true });
  await mkdir(targetDir, { recursive: true, mode: 0o700 });
  for (const secret of secrets) {
    if (secret !== path.basename(secret) || secret.startsWith('.')) {
      throw new Error(`function ${fn}: secret name ${JSON.stringify(secret)} must be a plain file name`);
    }
    const target = path.join(targetDir, secret);
    try {
      await copyFile(path.join(secretsDir, secret), target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'there is no such file' : `it cannot be copied (${code})`;
      throw new Error(
        `function ${fn} declares the secret "${secret}", but ${why} in the secrets folder ${secretsDir}`,
        { cause: err },
      );
    }
    await chmod(target, 0o600);
  }
}
