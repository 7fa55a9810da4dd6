/**
 * Test-only tools: the real Temporal server (`go.temporal.io/server`) and its SQL schema tool, for the tests that
 * connect over TLS, mTLS and with an API key. Built with `go install` into the tools cache on first use by those
 * tests (never by `npm start` or `npm run setup`), under their own lock, with the schema files copied beside the
 * schema tool so the cache does not depend on Go's module cache staying put.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GoTool } from './catalog.ts';
import { line, type SetupContext } from './context.ts';
import { ToolError } from './errors.ts';
import { run } from './exec.ts';
import { ensureGoTool } from './gotools.ts';
import { requireGo } from './go.ts';
import { installUnderLock, type LockedInstallOptions } from './locked-install.ts';
import { semverFits } from './versions.ts';

/** v1.29.1 is the server inside the Temporal CLI 1.5.1 the local stack runs; its go.mod has no replace directive. */
const SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';

/** `temporal version 1.29.1` (server) / `temporal-sql-tool version 1.29.1`. */
function serverVersion(output: string): string | undefined {
  return /version v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export const temporalServer: GoTool = {
  name: 'temporal-server',
  label: SERVER_VERSION.slice(1),
  version: SERVER_VERSION,
  module: `${SERVER_MODULE}/cmd/server`,
  binary: 'server',
  pathNames: ['temporal-server'],
  versionArgs: ['--version'],
  versionOf: serverVersion,
  // Config keys for TLS and the JWT authorizer are stable within a minor release.
  fits: (v) => semverFits(v, SERVER_VERSION.slice(1), 'minor'),
  purpose: 'the TLS, mTLS and API-key tests (a real Temporal server on PostgreSQL)',
};

export const temporalSqlTool: GoTool = {
  name: 'temporal-sql-tool',
  label: SERVER_VERSION.slice(1),
  version: SERVER_VERSION,
  module: `${SERVER_MODULE}/cmd/tools/sql`,
  binary: 'sql',
  pathNames: ['temporal-sql-tool'],
  versionArgs: ['--version'],
  versionOf: serverVersion,
  fits: (v) => v === SERVER_VERSION.slice(1), // the schema files below must match the binary exactly
  purpose: 'setting up the Temporal server schema in PostgreSQL for the TLS tests',
};

/** Paths of the test server's tools. */
export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** `schema/postgresql/v12` of the same server version: `temporal/versioned`, `visibility/versioned`. */
  postgresSchemaDir: string;
}

/**
 * Finds or builds the Temporal server and its SQL tool (a few minutes each, cold, on two cores); a warm call only
 * looks at files. Throws a ToolError that says how to get them when Go or the module proxy is missing.
 */
export function ensureTemporalServerTools(options: LockedInstallOptions = {}): Promise<TemporalServerTools> {
  return installUnderLock('.temporal-server-tools.lock', options, resolve);
}

async function resolve(ctx: SetupContext): Promise<TemporalServerTools | undefined> {
  const started = performance.now();
  const server = await ensureGoTool(ctx, temporalServer);
  const sqlTool = await ensureGoTool(ctx, temporalSqlTool);
  if (!server || !sqlTool) return undefined;
  const schemaDir = join(ctx.dir, temporalSqlTool.name, temporalSqlTool.version, 'schema', 'postgresql', 'v12');
  if (!existsSync(join(schemaDir, 'temporal', 'versioned'))) {
    if (!ctx.install) return undefined;
    await copySchema(ctx, schemaDir);
  }
  if (ctx.install)
    ctx.progress(
      line(
        `temporal-server ${temporalServer.label}`,
        `${server.status}; sql tool ${sqlTool.status}`,
        (performance.now() - started) / 1000,
      ),
    );
  return { server: server.path, sqlTool: sqlTool.path, postgresSchemaDir: schemaDir };
}

/** Copies `schema/postgresql/v12` out of the server module (downloaded into Go's module cache if needed). */
async function copySchema(ctx: SetupContext, destination: string): Promise<void> {
  const go = await requireGo(ctx, 'the Temporal server schema');
  const spec = `${SERVER_MODULE}@${SERVER_VERSION}`;
  const result = await run(go, ['mod', 'download', '-json', spec], { env: ctx.env, timeoutMs: 10 * 60_000 });
  const moduleDir = (JSON.parse(result.stdout || '{}') as { Dir?: string }).Dir;
  const source = moduleDir && join(moduleDir, 'schema', 'postgresql', 'v12');
  if (result.code !== 0 || !source || !existsSync(source)) {
    throw new ToolError(
      `go mod download ${spec} did not give the PostgreSQL schema (exit ${result.code})`,
      'check that the Go module proxy is reachable (go env GOPROXY)',
    );
  }
  // Copied beside, then renamed: an interrupted copy never looks complete.
  const partial = `${destination}.tmp-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(source, partial, { recursive: true });
  renameSync(partial, destination);
}
