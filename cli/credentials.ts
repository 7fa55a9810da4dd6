/**
 * The credential the CLI sends: `BATON_TOKEN` (an API key or an OpenID Connect token), else the file named by
 * `BATON_TOKEN_FILE`, else the local stack's admin key when the CLI runs in a checkout that started one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './errors.ts';

/** Where `npm start` keeps the local stack's admin key, relative to the checkout. */
export const LOCAL_ADMIN_KEY_FILE = join('.baton', 'secrets', 'baton-admin-key');

/** How to get a credential, for messages of refused calls. */
export const HOW_TO_GET_A_KEY =
  'set BATON_TOKEN to an API key (an admin makes one with `baton keys create --name <you> --roles trigger`; ' +
  `the local stack's admin key is in ${LOCAL_ADMIN_KEY_FILE})`;

/** What a function people call directly (predict) takes, for messages of its refusals. */
export const HOW_TO_GET_A_VIEWER_KEY =
  'it takes an API key with role viewer (or better) that an admin issued, not the bootstrap admin key ' +
  `(${LOCAL_ADMIN_KEY_FILE} is for the trigger API only): make one with \`baton keys create --name <you> --roles viewer\` and set BATON_TOKEN to it`;

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
