/**
 * `ensureTools()`: every external tool the local stack needs, found or installed, with their paths.
 * A warm run only looks at files (PATH, cache markers, content hashes) and takes well under a second;
 * anything missing is installed under a lock, so two setups never build the same tool at once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faasCli, minio, temporal } from './catalog.ts';
import { line, type SetupContext } from './context.ts';
import { ensureGoTool, tryGoTool } from './gotools.ts';
import { toolsDir } from './layout.ts';
import { withLock } from './lock.ts';
import { ensureVenv, TEST_TOOLS_VENV } from './venv.ts';
import { ensureWatchdog, type WatchdogKind } from './watchdog.ts';

export { toolsDir } from './layout.ts';
export { ToolError } from './errors.ts';
export type { WatchdogKind } from './watchdog.ts';

/** Absolute paths of the tools the local stack runs. */
export interface ToolPaths {
  temporal: string;
  minio: string;
  /** The watchdog binary for function replicas; which one it is, is in `watchdogKind`. */
  watchdog: string;
  /**
   * `baton-stand-in`: deploy/local/watchdog (of-watchdog's mode=http contract), what the local stack runs;
   * `of-watchdog` is kept for a stack that isolates each replica, which none does yet.
   */
  watchdogKind: WatchdogKind;
  /** undefined when faas-cli could not be installed; its offline checks are then skipped. */
  faasCli: string | undefined;
  /** The virtualenv's python3, with template/baton-python/requirements.txt installed. */
  python: string;
  /** The virtualenv's bin folder, to put first on PATH for Python functions. */
  venvBin: string;
  /** With `testTools`: the test tools' virtualenv's bin folder (test/tools/requirements.txt: schemathesis). */
  testToolsBin?: string;
}

export interface EnsureToolsOptions {
  /** Receives one line per tool (and a line before each long build). Default: silent. */
  progress?: (line: string) => void;
  /** Environment for PATH lookups, BATON_TOOLS_DIR and the builds. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The Baton checkout. Default: the one this file is in. */
  root?: string;
  /** Also the tools only tests run (`npm run setup` and the tests that use them ask; `npm start` does not). */
  testTools?: boolean;
  /** Time between two `still …` lines while a tool builds or downloads (default 10 s). */
  heartbeatMs?: number;
}

const defaultRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Finds or installs every tool. Throws a ToolError (message + fix) when a required tool cannot be had;
 * faas-cli is optional (its checks are skipped without it).
 */
export async function ensureTools(options: EnsureToolsOptions = {}): Promise<ToolPaths> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  const base = {
    env,
    dir: toolsDir(env),
    root: options.root ?? defaultRoot,
    progress,
    heartbeatMs: options.heartbeatMs,
  };

  // Read-only pass first: on a warm cache it finds everything without taking the lock.
  const testTools = options.testTools ?? false;
  const warm = await resolveAll({ ...base, install: false }, false, testTools);
  if (warm) {
    warm.lines.forEach((l) => progress(l));
    return warm.paths;
  }
  mkdirSync(base.dir, { recursive: true });
  const cold = await withLock(
    join(base.dir, '.setup.lock'),
    () => resolveAll({ ...base, install: true }, true, testTools),
    { progress },
  );
  if (!cold) throw new Error('setup: the install pass left a tool unresolved'); // each step installs or throws
  return cold.paths;
}

/** Runs every step in order; undefined (on the read-only pass) as soon as one needs installing. */
async function resolveAll(
  ctx: SetupContext,
  live: boolean,
  testTools: boolean,
): Promise<{ paths: ToolPaths; lines: string[] } | undefined> {
  const lines: string[] = [];
  const step = async <T extends { status: string }>(
    subject: string | ((r: T) => string),
    work: () => Promise<T | undefined>,
    before?: (r: T) => string[],
  ) => {
    const t0 = performance.now();
    const result = await work();
    if (!result) return undefined;
    const out = [
      ...(before?.(result) ?? []),
      line(typeof subject === 'string' ? subject : subject(result), result.status, (performance.now() - t0) / 1000),
    ];
    if (live) out.forEach((l) => ctx.progress(l));
    lines.push(...out);
    return result;
  };

  const t = await step(`temporal ${temporal.label}`, () => ensureGoTool(ctx, temporal));
  if (!t) return undefined;
  const m = await step(`minio ${minio.label}`, () => ensureGoTool(ctx, minio));
  if (!m) return undefined;
  const w = await step(
    (r) => r.subject,
    () => ensureWatchdog(ctx),
    (r) => r.before,
  );
  if (!w) return undefined;
  const f = await step(`faas-cli ${faasCli.label}`, async () => {
    const r = await tryGoTool(ctx, faasCli);
    return r && (r.path ? r : { ...r, status: `${r.status} → faas-cli checks are skipped` });
  });
  if (!f) return undefined;
  const v = await step(
    (r) => r.subject,
    () => ensureVenv(ctx),
  );
  if (!v) return undefined;
  const tt = testTools
    ? await step(
        (r) => r.subject,
        () => ensureVenv(ctx, TEST_TOOLS_VENV),
      )
    : undefined;
  if (testTools && !tt) return undefined;

  return {
    paths: {
      temporal: t.path,
      minio: m.path,
      watchdog: w.path,
      watchdogKind: w.kind,
      faasCli: f.path,
      python: v.python,
      venvBin: v.bin,
      ...(tt ? { testToolsBin: tt.bin } : {}),
    },
    lines,
  };
}
