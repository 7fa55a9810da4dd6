/**
 * One setup at a time per tools cache: a lock directory (mkdir is atomic) holding its owner's pid.
 * A lock whose owner process is gone, or that is older than any build could take, is stale and broken.
 */
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ToolError } from './errors.ts';
import { readJson, writeFileAtomic } from './layout.ts';

export interface LockOwner {
  pid: number;
  host: string;
  at: string;
}

export interface LockOptions {
  progress?: (line: string) => void;
  /** A lock older than this is stale even if its pid is alive (pids get reused). Default 2 hours. */
  staleMs?: number;
  /** Give up waiting after this long. Default 1 hour. */
  timeoutMs?: number;
  pollMs?: number;
}

/** Grace for a lock directory whose owner file is not written yet (its creator may be writing it now). */
const OWNERLESS_GRACE_MS = 10_000;

/** Runs `fn` while holding the lock directory `lockDir`, waiting for another holder to finish first. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockDir, options);
  const releaseOnExit = () => rmSync(lockDir, { recursive: true, force: true });
  process.once('exit', releaseOnExit);
  try {
    return await fn();
  } finally {
    process.removeListener('exit', releaseOnExit);
    releaseOnExit();
  }
}

async function acquire(lockDir: string, options: LockOptions): Promise<void> {
  const { progress = () => {}, staleMs = 2 * 3600_000, timeoutMs = 3600_000, pollMs = 250 } = options;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir, { recursive: false });
      writeFileAtomic(join(lockDir, 'owner.json'), JSON.stringify(ownerNow()) + '\n');
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readJson<LockOwner>(join(lockDir, 'owner.json'));
    const stale = staleReason(lockDir, owner, staleMs);
    if (stale) {
      progress(`[setup] removing a stale setup lock (${stale}): ${lockDir}`);
      breakLock(lockDir, owner);
      continue;
    }
    if (!told) {
      progress(`[setup] waiting for another setup${owner ? ` (pid ${owner.pid})` : ''} to finish…`);
      told = true;
    }
    if (Date.now() - started > timeoutMs) {
      throw new ToolError(
        `another setup${owner ? ` (pid ${owner.pid})` : ''} has held ${lockDir} for too long`,
        `if no setup is running, delete ${lockDir} and run npm run setup again`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function ownerNow(): LockOwner {
  return { pid: process.pid, host: hostname(), at: new Date().toISOString() };
}

/** Why a held lock can be broken, or undefined while its owner may still be working. */
export function staleReason(lockDir: string, owner: LockOwner | undefined, staleMs: number): string | undefined {
  if (!owner) {
    const age = ageMs(lockDir);
    return age !== undefined && age > OWNERLESS_GRACE_MS ? 'no owner recorded' : undefined;
  }
  if (owner.host === hostname() && !pidAlive(owner.pid)) return `process ${owner.pid} is gone`;
  const age = Date.now() - Date.parse(owner.at);
  if (age > staleMs) return `held for ${Math.round(age / 60_000)} minutes`;
  return undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Moves the stale lock aside before deleting it, and puts it back if what was moved is not the lock judged
 * stale (another setup broke it and took a fresh one in between).
 */
function breakLock(lockDir: string, judged: LockOwner | undefined): void {
  const aside = `${lockDir}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(lockDir, aside);
  } catch {
    return; // someone else broke or released it: just try again
  }
  const moved = readJson<LockOwner>(join(aside, 'owner.json'));
  if (moved?.pid !== judged?.pid || moved?.at !== judged?.at) {
    try {
      renameSync(aside, lockDir);
      return;
    } catch {
      // the path was taken again meanwhile; the moved lock's owner keeps working regardless
    }
  }
  rmSync(aside, { recursive: true, force: true });
}
