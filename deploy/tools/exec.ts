/** Running helper commands and finding programs on PATH, with an explicit environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunResult {
  /** Exit code; null when the program could not start, was killed or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to completion (spawn error or timeout), if so. */
  failure?: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Programs still running; killed if setup exits early, so no build outlives it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/** Keep at most this much of each output stream: enough to show the end of a failed build. */
const MAX_OUTPUT = 256 * 1024;

/** Runs a program to completion and captures its output; never rejects. */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderr = '';
    let failure: string | undefined;
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const keep = (acc: string, chunk: Buffer) => (acc + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          failure = `timed out after ${Math.round(options.timeoutMs! / 1000)}s`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => (failure = err.message));
    child.on('close', (code) => {
      running.delete(child);
      if (timer) clearTimeout(timer);
      resolvePromise({ code: failure ? null : code, stdout, stderr, failure });
    });
  });
}

/** The first executable file called `name` in the PATH of `env`, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The last non-empty lines of a command's output, for error messages. */
export function tail(result: RunResult, lines = 12): string {
  const all = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
  return all.slice(-lines).join('\n');
}
