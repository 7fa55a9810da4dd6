/**
 * The credential the CLI sends: `BATON_TOKEN` (an API key or an OpenID Connect token), else the file named by
 * `BATON_TOKEN_FILE`, else the local stack's admin key when the CLI runs in a checkout that started one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './errors.ts';
import { LOCAL_ADMIN_KEY_FILE } from './key-advice.ts';

export async function findToken(env: Record<string, string | undefined>, cwd: string): Promise<string | undefined> {
  const given = env.BATON_TOKEN?.trim();
  if (given) return given;
  if (env.BATON_TOKEN_FILE) {
    try {
      return (await readFile(env.BATON_TOKEN_FILE, 'utf8')).trim() || undefined;
    } catch (error) {
      throw new UsageError(
        `BATON_TOKEN_FILE names ${env.BATON_TOKEN_FILE}, which cannot be read (${(error as NodeJS.ErrnoException).code}): point it at a file holding your API key`,
      );
    }
  }
  return (await readFile(join(cwd, LOCAL_ADMIN_KEY_FILE), 'utf8').catch(() => '')).trim() || undefined;
}
