/**
 * The install pattern of tools that `npm run setup` does not build (the tests' own): a read-only pass first, so a
 * warm cache takes no lock and only looks at files; then, when something is missing, the same pass with installing
 * allowed, under a lock of its own, so it builds while another setup builds other tools.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SetupContext } from './context.ts';
import { toolsDir } from './layout.ts';
import { withLock } from './lock.ts';

/** How a caller of these installers is told about progress, and which environment (BATON_TOOLS_DIR, PATH) counts. */
export interface LockedInstallOptions {
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `resolve` read-only, then under `<tools>/<lockName>` with `install: true`. `resolve` answers undefined on the
 * read-only pass when something needs installing, and must install it on the second.
 */
export async function installUnderLock<T>(
  lockName: string,
  options: LockedInstallOptions,
  resolve: (ctx: SetupContext) => Promise<T | undefined>,
): Promise<T> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  const base = { env, dir: toolsDir(env), root: process.cwd(), progress };
  const warm = await resolve({ ...base, install: false });
  if (warm) return warm;
  mkdirSync(base.dir, { recursive: true });
  const cold = await withLock(join(base.dir, lockName), () => resolve({ ...base, install: true }), { progress });
  if (!cold) throw new Error(`setup (${lockName}): the install pass left a tool unresolved`);
  return cold;
}
