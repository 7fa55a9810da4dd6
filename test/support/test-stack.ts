/** Starts a whole local stack on free ports in a temporary data folder, with the test-only functions and pipelines. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from '../../deploy/tools/tools.ts';
import { startLocalStack, type LocalStack } from '../../deploy/local/stack.ts';
import { repoRoot, type StackPorts } from '../../deploy/local/stack-config.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A started test stack; `stop()` removes its data folder too. */
export interface TestStack extends LocalStack {
  dataDir: string;
}

/** The header carrying a stack's admin key: every caller of the trigger API sends a credential. */
export function bearer(api: { token?: string }): { authorization: string } {
  return { authorization: `Bearer ${api.token}` };
}

/** Variations of the test stack: fixed ports, more function environment. */
export interface TestStackOptions {
  ports?: Partial<StackPorts>;
  functionEnv?: Record<string, string>;
  /** The stack files, given the stack's data folder (default: the repository's stack.yml plus the fixtures'). */
  stackFiles?: (dataDir: string) => Promise<string[]>;
  /** The functions to start (default: every function of the stack files). */
  functions?: string[];
  /** Template folders searched before the repository's (default: the repository's only). */
  templateDirs?: string[];
  /** The pipelines the orchestrator bundles (default: the fixtures' workflows, which include the real ones). */
  workflowsDir?: string;
  /**
   * Another checkout to run (e.g. a copy a test scaffolded into): its stack.yml, templates and own workflows
   * (default: this repository with the fixtures' stack and workflows).
   */
  repoRoot?: string;
  /** Print every line of the stack and its functions (also BATON_TEST_VERBOSE=1). */
  verbose?: boolean;
  /** Where those lines go (default console.log). */
  say?: (line: string) => void;
  /** Secret values to use instead of generated ones, by secret name (written to `<data>/secrets/` before start). */
  secrets?: Record<string, string>;
  /** A data folder to use, and keep after stop (default: a new temporary one, removed after stop). */
  dataDir?: string;
  /** Append every replica's lines to `<data>/logs/functions.log`, as `npm start` does (default: no file). */
  functionsLog?: boolean;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const tools = await ensureTools();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'baton-test-')));
  const removeDataDir = () => (options.dataDir ? Promise.resolve() : rm(dataDir, { recursive: true, force: true }));
  const verbose = options.verbose || process.env.BATON_TEST_VERBOSE === '1';
  const say = options.say ?? ((line: string) => console.log(line));
  try {
    if (options.secrets) {
      // The stack keeps a secret file it finds and generates only the missing ones.
      await mkdir(join(dataDir, 'secrets'), { mode: 0o700 });
      for (const [name, value] of Object.entries(options.secrets))
        await writeFile(join(dataDir, 'secrets', name), value, { mode: 0o600 });
    }
    const root = options.repoRoot ?? repoRoot;
    const stack = await startLocalStack({
      repoRoot: root,
      dataDir,
      ports: { gateway: 0, gatewayMetrics: 0, temporal: 0, temporalUi: 0, minio: 0, minioConsole: 0, ...options.ports },
      functionEnv: options.functionEnv,
      functions: options.functions,
      tools,
      stackFiles: options.stackFiles
        ? await options.stackFiles(dataDir)
        : options.repoRoot
          ? [join(root, 'stack.yml')]
          : [join(repoRoot, 'stack.yml'), join(fixtures, 'stack.yml')],
      workflowsDir: options.workflowsDir ?? (options.repoRoot ? undefined : join(fixtures, 'workflows')),
      ...((options.templateDirs || options.repoRoot) && {
        templateDirs: [...(options.templateDirs ?? []), join(root, 'template')],
      }),
      gatewayAuth: true,
      ...(options.functionsLog && { functionsLog: join(dataDir, 'logs', 'functions.log') }),
      log: verbose ? (line) => say(`[stack] ${line}`) : undefined,
      onFunctionLog: verbose ? (fn, instance, line) => say(`[${fn}/${instance}] ${line}`) : undefined,
    });
    const stopStack = stack.stop;
    // Keep the stack's own getters (its Temporal server changes on restart): extend it, don't copy it.
    return Object.assign(stack, {
      dataDir,
      async stop() {
        await stopStack();
        await removeDataDir();
      },
    });
  } catch (error) {
    await removeDataDir();
    throw error;
  }
}

/**
 * Pids of the processes whose environment says they are replicas of `fn` (every function when omitted) of the
 * stack with data folder `dataDir` (of any stack when omitted): other stacks may run on the same machine.
 */
export async function replicaPids(fn?: string, dataDir?: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = (await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')).split('\0');
    const names = environ.filter((kv) => kv.startsWith('BATON_FUNCTION='));
    if (names.length === 0 || (fn && !names.includes(`BATON_FUNCTION=${fn}`))) continue;
    if (dataDir && !environ.includes(`BATON_STACK=${dataDir}`)) continue;
    pids.push(Number(entry));
  }
  return pids;
}

/** The watchdog pids of `fn` in a stack: its replica processes whose parent is not itself one of them. */
export async function watchdogPids(stack: Pick<TestStack, 'dataDir'>, fn: string): Promise<number[]> {
  const pids = await replicaPids(fn, stack.dataDir);
  const parents = await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }),
  );
  return pids.filter((_, i) => !pids.includes(parents[i]!));
}

/** Stops a test stack (if it started) and fails when any of its replica processes outlived it. */
export async function stopTestStack(stack: TestStack | undefined): Promise<void> {
  if (!stack) return;
  const { dataDir } = stack;
  await stack.stop();
  const left = await replicaPids(undefined, dataDir);
  if (left.length > 0)
    throw new Error(`function replicas of the stopped stack are still running: pids ${left.join(', ')}`);
}
