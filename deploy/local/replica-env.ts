import os from 'node:os';
import path from 'node:path';
import type { FunctionSpec } from './stack-file.ts';
import type { FunctionTemplate } from './templates.ts';

/** What one run of a replica needs to know to build its environment (see docs/contracts.md, "A replica"). */
export interface ReplicaEnvInput {
  spec: FunctionSpec;
  template: FunctionTemplate;
  /** The watchdog's port. */
  port: number;
  /** The template wrapper's port (the watchdog's upstream). */
  httpPort: number;
  /** The per-function folder holding copies of the declared secrets. */
  secretsDir: string;
  venvBin?: string;
  /** Stack-wide local overrides (S3_ENDPOINT, TEMPORAL_ADDRESS, BATON_GATEWAY_URL, ...). */
  envOverrides?: Record<string, string>;
  /** The environment replicas inherit (default: this process's). */
  inherited?: NodeJS.ProcessEnv;
}

/** What a replica's configured environment depends on: everything but the per-run ports and the inherited environment. */
export type ConfiguredEnvInput = Omit<ReplicaEnvInput, 'port' | 'httpPort' | 'inherited'>;

/**
 * The environment a replica is configured with, as `describe` shows it: the function's `environment` (with its
 * `environment_file`s), the stack-wide overrides over them, then the contract's own variables. Leaves out what
 * changes per run (ports) and what the process inherits (PATH, the user's shell): those are not the function's.
 */
export function configuredEnv(input: ConfiguredEnvInput): Record<string, string> {
  const { spec, template } = input;
  return {
    ...spec.environment,
    ...input.envOverrides,
    mode: 'http',
    fprocess: template.fprocess,
    prefix_logs: 'false',
    BATON_FUNCTION: spec.name,
    BATON_HANDLER_DIR: spec.handler,
    BATON_SECRETS_DIR: input.secretsDir,
  };
}

/**
 * The environment of one watchdog process, in increasing precedence: the inherited environment, the configured
 * environment (see configuredEnv), then this run's ports and PATH.
 */
export function replicaEnv(input: ReplicaEnvInput): Record<string, string> {
  const { port, httpPort, venvBin } = input;
  const inherited = Object.fromEntries(
    Object.entries(input.inherited ?? process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const pathVar = [venvBin, inherited.PATH].filter(Boolean).join(path.delimiter);
  return {
    ...inherited,
    ...configuredEnv(input),
    port: String(port),
    upstream_url: `http://127.0.0.1:${httpPort}`,
    // A temporary folder of its own, as a pod has: the watchdog keeps its lock file there ($TMPDIR/.lock, removed on
    // SIGTERM, and /_/health answers 503 without it), so replicas must not share one.
    TMPDIR: replicaTmpDir(port),
    http_port: String(httpPort),
    PATH: pathVar,
  };
}

/**
 * The replica's own `TMPDIR`, named after its watchdog port (unique among live replicas on this machine): short, so
 * Unix socket paths under it stay within limits. The replica creates it empty and removes it when its run ends.
 */
export function replicaTmpDir(port: number): string {
  return path.join(os.tmpdir(), `baton-replica-${port}`);
}

/** Whether `dir` is exactly the TMPDIR replicaTmpDir gives some port (a folder the stack may delete). */
export function isReplicaTmpDir(dir: string): boolean {
  const port = /^baton-replica-(\d{1,5})$/.exec(path.basename(dir))?.[1];
  return port !== undefined && replicaTmpDir(Number(port)) === dir;
}
