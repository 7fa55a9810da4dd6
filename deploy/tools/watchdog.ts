/**
 * The watchdog every function replica of the local stack runs: Baton's stand-in built from deploy/local/watchdog
 * (of-watchdog's mode=http contract, held to it by its conformance suite, see docs/contracts.md). A real
 * of-watchdog on PATH is not used: it binds the fixed metrics port :8081, so on one machine every replica after the
 * first would crash and restart in a loop (the lock file is not the problem: each replica has its own TMPDIR);
 * setup says so once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ofWatchdog } from './catalog.ts';
import { line, type SetupContext } from './context.ts';
import { ToolError } from './errors.ts';
import { run } from './exec.ts';
import { buildInto } from './go.ts';
import { type PathProbe, probePath } from './gotools.ts';
import { cachedBinary, isComplete, sha12 } from './layout.ts';
import { STAND_IN_VERSION_LINE } from './versions.ts';

export type WatchdogKind = 'of-watchdog' | 'baton-stand-in';

export interface WatchdogFound {
  path: string;
  kind: WatchdogKind;
  subject: string;
  status: string;
  /** Lines to print before this step's own line (why the stand-in is used). */
  before: string[];
}

/** Where the stand-in's Go module lives in the checkout. */
export function standInSource(root: string): string {
  return join(root, 'deploy', 'local', 'watchdog');
}

/**
 * Content key of the stand-in: sha256 (12 hex) over its go.mod, go.sum and non-test .go files, so an edit
 * to the watchdog gives a new cache folder and a rebuild, while a test edit does not.
 */
export function standInHash(sourceDir: string): string {
  const files = readdirSync(sourceDir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')))
    .sort();
  return sha12(files.map((f) => `${f}\0${readFileSync(join(sourceDir, f), 'utf8')}\0`).join(''));
}

export async function ensureWatchdog(ctx: SetupContext): Promise<WatchdogFound | undefined> {
  const standIn = await ensureStandIn(ctx);
  if (!standIn) return undefined;
  const why = realWatchdogNote(await probePath(ctx, ofWatchdog));
  return { ...standIn, kind: 'baton-stand-in', before: why ? [why] : [] };
}

/**
 * The one line that says why a real of-watchdog on PATH is not what replicas run, or undefined when there is
 * none. Isolating each replica in a network namespace of its own, as a pod is, would let it run, but the gateway
 * would then need a veth pair per replica to reach it: not cheap, and not possible without privileges.
 */
export function realWatchdogNote(onPath: PathProbe): string | undefined {
  const found = onPath.path ? `${onPath.path} (version ${onPath.version})` : onPath.ignored;
  if (!found) return undefined;
  return line(
    `of-watchdog ${ofWatchdog.label}`,
    `found on PATH: ${found}, not used by the local stack: each replica would bind its fixed metrics port :8081, so ` +
      `all but one would crash-loop → replicas run Baton's stand-in (same mode=http contract; ` +
      `BATON_WATCHDOG_BIN=<path> npm run test:watchdog checks a binary against it)`,
  );
}

async function ensureStandIn(
  ctx: SetupContext,
): Promise<{ path: string; subject: string; status: string } | undefined> {
  const source = standInSource(ctx.root);
  if (!existsSync(join(source, 'go.mod'))) {
    throw new ToolError(
      `the stand-in watchdog's sources are missing: ${source}`,
      'run setup from a complete Baton checkout',
    );
  }
  const hash = standInHash(source);
  const dest = cachedBinary(ctx.dir, 'baton-watchdog', hash, 'baton-watchdog');
  const subject = `baton-watchdog ${hash}`;
  if (isComplete(dest)) return { path: dest, subject, status: 'cached' };
  if (!ctx.install) return undefined;

  const built = await buildInto(
    ctx,
    dest,
    { tool: 'baton-watchdog', version: hash, source: 'go build deploy/local/watchdog' },
    (tmp) => ({
      args: ['build', '-buildvcs=false', '-o', join(tmp, 'baton-watchdog'), '.'],
      cwd: source,
      binaryName: 'baton-watchdog',
    }),
    async (binary) => {
      const out = (await run(binary, ['--version'], { env: ctx.env, timeoutMs: 20_000 })).stdout.trim();
      return out === STAND_IN_VERSION_LINE
        ? undefined
        : `the built binary answered --version with ${JSON.stringify(out)}`;
    },
  );
  if (!built.ok) {
    throw new ToolError(
      `building the stand-in watchdog failed: ${built.reason}${built.output ? `\n${built.output}` : ''}`,
      'run `go vet ./... && go build ./...` in deploy/local/watchdog to see and fix the error',
    );
  }
  return { path: dest, subject, status: 'built with go build' };
}
