import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openLogFile } from './log-file.ts';
import type { PidFiles } from './pid-files.ts';

/** A server process of the local stack (Temporal, MinIO), its output kept in a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Settles when the process exits, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command` with its stdout and stderr appended to `logFile`, each line also given to `onLine`. A log file
 * that cannot be written (a full disk) loses lines, never the process: `note` says so once.
 */
export function startManagedProcess(
  name: string,
  command: string,
  args: string[],
  options: {
    logFile: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onLine?: (line: string) => void;
    pids?: PidFiles;
    /** The stack's own notes (a log file that cannot be written). */
    note?: (line: string) => void;
  },
): ManagedProcess {
  const log = openLogFile(options.logFile, options.note ?? (() => {}));
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) options.pids?.record(name, child.pid, { group: false });
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => log.write(chunk));
    if (options.onLine) createInterface({ input: stream }).on('line', options.onLine);
  }
  child.once('close', () => void log.end()); // after its output is read to the end
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: null }));
    child.once('exit', (code, signal) => {
      options.pids?.forget(name);
      resolve({ code, signal });
    });
  });
  return {
    name,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Polls `check` until it returns true; fails with `what` and the process's exit if it dies first. */
export async function waitUntil(
  process: ManagedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void process.exited.then((value) => (exit = value));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`${process.name} exited (code ${exit.code}, signal ${exit.signal}) before ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${process.name}: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
}
