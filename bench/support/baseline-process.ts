/** Starts and stops the plain-Temporal baseline worker (baseline-worker.ts) as a child process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { onStop } from './lifecycle.ts';

/** The task queue the baseline worker polls. */
export const BASELINE_TASK_QUEUE = 'bench-plain';

/**
 * Spawns the worker and resolves with its pid once it polls; it is stopped with everything else (lifecycle.ts).
 * With `profileDir`, it writes a CPU profile there when it exits.
 */
export async function startBaselineWorker(options: {
  temporalAddress: string;
  gatewayUrl: string;
  secretsDir: string;
  verbose: boolean;
  say: (line: string) => void;
  profileDir?: string;
}): Promise<number> {
  const entry = fileURLToPath(new URL('./baseline-worker.ts', import.meta.url));
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', entry], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      BENCH_GATEWAY_URL: options.gatewayUrl,
      BENCH_TASK_QUEUE: BASELINE_TASK_QUEUE,
      BATON_SECRETS_DIR: options.secretsDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onStop('plain-Temporal baseline worker', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (options.verbose) options.say(`[baseline worker] ${line}`);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the baseline worker was not ready within 120 s:\n${tail.join('\n')}`)),
      120_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (options.verbose) options.say(`[baseline worker] ${line}`);
      if (line === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the baseline worker exited before it was ready:\n${tail.join('\n')}`));
    });
  });
  return child.pid!;
}
