/**
 * Building tools with the Go toolchain into the cache, atomically: every build goes to a temporary folder
 * beside its destination and is renamed into place, and the completion marker is written last.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { find, type SetupContext } from './context.ts';
import { ToolError } from './errors.ts';
import { run, tail } from './exec.ts';
import { markComplete } from './layout.ts';
import { withHeartbeat } from './heartbeat.ts';
import { goVersion } from './versions.ts';

/** The oldest Go that builds the stand-in watchdog (its go.mod says go 1.22). */
const MIN_GO: [number, number] = [1, 22];
/** Generous: a cold Temporal or MinIO build takes minutes on two cores. */
const BUILD_TIMEOUT_MS = 45 * 60_000;

const goChecked = new WeakMap<SetupContext, string>();

/** The `go` binary, checked once per setup; a ToolError saying how to install Go when there is none. */
export async function requireGo(ctx: SetupContext, forWhat: string): Promise<string> {
  const known = goChecked.get(ctx);
  if (known) return known;
  const go = find(ctx, 'go');
  if (!go) {
    throw new ToolError(
      `Go is not on PATH; it is needed to build ${forWhat}`,
      `install Go ${MIN_GO.join('.')}+ (https://go.dev/dl/) and make sure \`go\` is on PATH, then run npm run setup again`,
    );
  }
  const v = goVersion((await run(go, ['version'], { env: ctx.env, timeoutMs: 30_000 })).stdout);
  if (!v || v[0] < MIN_GO[0] || (v[0] === MIN_GO[0] && v[1] < MIN_GO[1])) {
    throw new ToolError(
      `${go} is Go ${v ? v.join('.') : '(unknown version)'}; building ${forWhat} needs Go ${MIN_GO.join('.')}+`,
      `install Go ${MIN_GO.join('.')}+ (https://go.dev/dl/) first on PATH`,
    );
  }
  goChecked.set(ctx, go);
  return go;
}

export interface BuildResult {
  ok: boolean;
  /** Short reason when not ok, e.g. the proxy's "403 Forbidden" line. */
  reason?: string;
  /** The tail of the build output when not ok. */
  output?: string;
}

/**
 * Runs a Go build that writes `binaryName` into a temporary folder, then moves it to `destination` and
 * marks it complete. `command(tmpDir)` gives the go arguments and extra env for that folder; `verify`, if
 * given, checks the fresh binary before it is moved into place and returns what is wrong with it.
 */
export async function buildInto(
  ctx: SetupContext,
  destination: string,
  marker: { tool: string; version: string; source: string },
  command: (tmpDir: string) => { args: string[]; env?: NodeJS.ProcessEnv; cwd?: string; binaryName: string },
  verify?: (binary: string) => Promise<string | undefined>,
): Promise<BuildResult> {
  const go = await requireGo(ctx, `${marker.tool} ${marker.version}`);
  return withStaging(destination, async (tmp) => {
    const { args, env, cwd, binaryName } = command(tmp);
    const result = await withHeartbeat(ctx, `building ${marker.tool}`, () =>
      run(go, args, { env: { ...ctx.env, ...env }, cwd: cwd ?? tmp, timeoutMs: BUILD_TIMEOUT_MS }),
    );
    const built = join(tmp, binaryName);
    if (result.code !== 0 || !existsSync(built)) {
      return {
        ok: false,
        reason: firstGoError(result.stderr) ?? result.failure ?? `go exited with ${result.code}`,
        output: tail(result),
      };
    }
    const wrong = await verify?.(built);
    if (wrong) return { ok: false, reason: wrong };
    place(built, destination, marker);
    return { ok: true };
  });
}

/**
 * Runs `work` with a fresh temporary folder beside the destination's version folder (same file system, so the
 * final rename is atomic), removed afterwards whatever happens.
 */
export async function withStaging<T>(destination: string, work: (tmp: string) => Promise<T>): Promise<T> {
  const parent = dirname(dirname(destination));
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  const tmp = mkdtempSync(join(parent, '.tmp-'));
  try {
    return await work(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Moves a checked binary into the cache and writes its completion marker, last. */
export function place(
  binary: string,
  destination: string,
  marker: { tool: string; version: string; source: string },
): void {
  mkdirSync(dirname(destination), { recursive: true });
  renameSync(binary, destination);
  markComplete(destination, marker.tool, marker.version, marker.source);
}

/** `GOBIN=<tmp> go install <module>@<version>` into the cache. */
export function goInstall(
  ctx: SetupContext,
  destination: string,
  tool: { name: string; module: string; version: string; binary: string },
): Promise<BuildResult> {
  const spec = `${tool.module}@${tool.version}`;
  return buildInto(
    ctx,
    destination,
    { tool: tool.name, version: tool.version, source: `go install ${spec}` },
    (tmp) => ({
      args: ['install', spec],
      env: { GOBIN: tmp },
      binaryName: tool.binary,
    }),
  );
}

/** Leftovers of interrupted builds; only called under the setup lock, so none of them is in use. */
function removeStaleTemps(parent: string): void {
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith('.tmp-')) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** The first line Go printed about the failure, shortened: no "go: ", no repeated `module@version: `. */
function firstGoError(stderr: string): string | undefined {
  const first = stderr
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  return first
    ?.replace(/^go: /, '')
    .replace(/^(\S+@\S+: )+/, '')
    .replace(/reading https?:\/\/\S+: /, 'the module proxy answered ') // its URL says nothing new, and hosts stay out of logs
    .slice(0, 300);
}
