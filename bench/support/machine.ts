/** Which machine and which versions a result was measured with. */
import { execFileSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import type { ToolPaths } from '../../deploy/tools/tools.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { round } from './stats.ts';

/** The machine a result comes from. */
export interface MachineInfo {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  /** 1-minute load average when the benchmark started: other work on a shared machine shows here. */
  loadAverage1m: number;
}

/** The versions a result was measured with. */
export interface Versions {
  node: string;
  /** The Temporal CLI's pinned version (from its cache folder) and what `temporal --version` says. */
  temporalCli: string;
  temporalServer: string;
  /** `git rev-parse HEAD`, with `+dirty` when the working tree has changes. */
  batonCommit: string;
  watchdogKind: string;
  minio: string;
}

/** The machine's cores, memory, CPU model and current load. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    loadAverage1m: round(loadavg()[0]!, 2),
  };
}

/** Versions of Node, the Temporal CLI and server, MinIO, the watchdog, and the checkout. */
export function versionsOf(tools: ToolPaths): Versions {
  const temporalOutput = run(tools.temporal, ['--version']);
  return {
    node: process.version,
    temporalCli: `${basename(dirname(tools.temporal))} (${temporalOutput.replace(/^temporal version /, '').trim()})`,
    temporalServer: /Server ([\d.]+)/.exec(temporalOutput)?.[1] ?? 'unknown',
    batonCommit: batonCommit(),
    watchdogKind: tools.watchdogKind,
    minio: basename(dirname(tools.minio)),
  };
}

/** HEAD of the checkout, `+dirty` when files differ from it. */
export function batonCommit(): string {
  const head = run('git', ['rev-parse', 'HEAD'], repoRoot).trim() || 'unknown';
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], repoRoot).trim() !== '';
  return dirty ? `${head}+dirty` : head;
}

function run(command: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
}
