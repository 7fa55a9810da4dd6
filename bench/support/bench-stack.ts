/**
 * The benchmarks' stack: the real local stack (Temporal dev server, MinIO, the gateway in this process, every
 * function as watchdog replicas) on free ports in a temporary data folder, with Baton's stack.yml plus
 * bench/fixtures/stack.yml and the bench pipelines. Everything it starts is stopped through lifecycle.ts.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { encryptedDataConverter } from '../../functions/baton/codec/data-converter.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { startLocalStack, type LocalStack } from '../../deploy/local/stack.ts';
import type { ToolPaths } from '../../deploy/tools/tools.ts';
import { onStop } from './lifecycle.ts';
import { childPids, parentPid } from './procfs.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A running bench stack and a Temporal client connected to it. */
export interface BenchStack {
  stack: LocalStack;
  client: Client;
  dataDir: string;
  tools: ToolPaths;
}

/** How to start the bench stack. */
export interface BenchStackOptions {
  tools: ToolPaths;
  say: (line: string) => void;
  /** Print every line of every replica. */
  verbose: boolean;
  /** When set, the baton and noop replicas run with `--cpu-prof` and write their profiles here on exit. */
  profileDir?: string;
  /** Extra arguments for `temporal server start-dev` (experiments such as `--sqlite-pragma=journal_mode=wal`). */
  temporalArgs: string[];
  /** Keep the data folder (Temporal database, logs) at the end, for a post-mortem. */
  keepData: boolean;
}

/** How often start-up is tried when a port chosen free was taken before the stack bound it (a shared machine). */
const START_ATTEMPTS = 3;

/** Starts the stack and waits until every function has its replicas ready. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !/EADDRINUSE/.test(String((error as Error).message))) throw error;
      options.say(`a port was taken meanwhile (${(error as Error).message}); starting again on other ports…`);
    }
  }
}

async function startOnce(options: BenchStackOptions): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  if (options.keepData) onStop(`local stack (data kept in ${dataDir})`, async () => {});
  else onStop(`data folder ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const stackFiles = [join(repoRoot, 'stack.yml'), join(fixtures, 'stack.yml')];
  if (options.profileDir)
    stackFiles.push(
      await profilingStackFile(dataDir, options.profileDir, [
        [stackFiles[0]!, 'baton'],
        [stackFiles[1]!, 'noop'],
      ]),
    );
  const tools =
    options.temporalArgs.length > 0
      ? { ...options.tools, temporal: await temporalWithArgs(dataDir, options.tools.temporal, options.temporalArgs) }
      : options.tools;
  const starting = startLocalStack({
    repoRoot,
    dataDir,
    ports: { gateway: 0, gatewayMetrics: 0, temporal: 0, temporalUi: 0, minio: 0, minioConsole: 0 },
    tools,
    stackFiles,
    workflowsDir: join(fixtures, 'workflows'),
    gatewayAuth: true,
    log: (line) => options.say(`[stack] ${line}`),
    onFunctionLog: options.verbose ? (fn, instance, line) => options.say(`[${fn}/${instance}] ${line}`) : undefined,
  });
  // Registered before it is up, so Ctrl-C during start-up stops what has started (a failed start stops itself).
  onStop('local stack', async () => (await starting.catch(() => undefined))?.stop());
  const stack = await starting;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onStop('Temporal client', () => connection.close());
  return {
    stack,
    client: new Client({ connection, dataConverter: encryptedDataConverter(stack.secrets.dir) }),
    dataDir,
    tools: options.tools,
  };
}

/** A ready replica of a function: its watchdog, the wrapper the watchdog started, and the watchdog's URL. */
export interface ReplicaProcesses {
  watchdog: number;
  wrapper: number;
  url: string;
}

/** The wrapper of each watchdog seen: finding it scans /proc, and samplers ask several times a second. */
const wrappers = new Map<number, number>();

/** The ready replicas of `fn`. */
export function replicaProcesses(stack: LocalStack, fn: string): ReplicaProcesses[] {
  return stack.gateway.supervisor.replicas(fn).flatMap((replica) => {
    if (replica.state !== 'ready' || replica.pid === undefined || !replica.url) return [];
    const known = wrappers.get(replica.pid);
    const wrapper = known !== undefined && parentPid(known) === replica.pid ? known : childPids(replica.pid)[0];
    if (wrapper === undefined) return [];
    wrappers.set(replica.pid, wrapper);
    return [{ watchdog: replica.pid, wrapper, url: replica.url }];
  });
}

/** The stack's processes by role, for CPU sampling: servers, this process (the gateway), and replicas of `functions`. */
export function stackProcesses(stack: LocalStack, functions: string[]): Record<string, number[]> {
  const groups: Record<string, number[]> = {
    'temporal server': [stack.temporal.process.child.pid!],
    minio: [stack.minio.process.child.pid!],
    'bench process (gateway + client)': [process.pid],
  };
  for (const fn of functions) {
    const replicas = replicaProcesses(stack, fn);
    groups[`${fn} wrapper (node)`] = replicas.map((replica) => replica.wrapper);
    groups[`${fn} watchdog`] = replicas.map((replica) => replica.watchdog);
  }
  return groups;
}

/**
 * A stack file that redefines `functions` ([stack file, name] pairs) as they are, with absolute paths and an
 * fprocess with `--cpu-prof` (Node 20 refuses it in NODE_OPTIONS), so their wrappers write a CPU profile to
 * `profileDir` when they exit.
 */
async function profilingStackFile(dataDir: string, profileDir: string, functions: [string, string][]): Promise<string> {
  const redefined: Record<string, unknown> = {};
  for (const [stackFile, name] of functions) {
    const fn = (
      parseYaml(await readFile(stackFile, 'utf8'), { merge: true }) as {
        functions: Record<string, Record<string, unknown>>;
      }
    ).functions[name]!;
    const base = dirname(stackFile);
    redefined[name] = {
      ...fn,
      handler: resolve(base, fn.handler as string),
      ...(fn.environment_file
        ? { environment_file: (fn.environment_file as string[]).map((file) => resolve(base, file)) }
        : {}),
      environment: {
        ...(fn.environment as Record<string, string> | undefined),
        fprocess: `node --cpu-prof --cpu-prof-dir=${profileDir} --import tsx index.ts`,
      },
    };
  }
  const file = join(dataDir, 'profiling-stack.yml');
  await writeFile(file, stringifyYaml({ version: 1.0, provider: { name: 'openfaas' }, functions: redefined }));
  return file;
}

/** A script that runs the Temporal CLI with `args` appended (exec: same pid, so its CPU is sampled as the server's). */
async function temporalWithArgs(dataDir: string, binary: string, args: string[]): Promise<string> {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const file = join(dataDir, 'temporal-with-args');
  await writeFile(file, `#!/bin/sh\nexec ${quote(binary)} "$@" ${args.map(quote).join(' ')}\n`);
  await chmod(file, 0o755);
  return file;
}
