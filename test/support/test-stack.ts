/** Starts a whole local stack on free ports in a temporary data folder, with the test-only functions and pipelines. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from '../../deploy/tools/tools.ts';
import { startLocalStack, type LocalStack } from '../../deploy/local/stack.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A started test stack; `stop()` removes its data folder too. */
export interface TestStack extends LocalStack {
  dataDir: string;
}

export async function startTestStack(): Promise<TestStack> {
  const tools = await ensureTools();
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-test-'));
  const verbose = process.env.BATON_TEST_VERBOSE === '1';
  const stack = await startLocalStack({
    repoRoot,
    dataDir,
    ports: { gateway: 0, temporal: 0, temporalUi: 0, minio: 0, minioConsole: 0 },
    tools,
    stackFiles: [join(repoRoot, 'stack.yml'), join(fixtures, 'stack.yml')],
    workflowsDir: join(fixtures, 'workflows'),
    gatewayAuth: true,
    log: verbose ? (line) => console.log(`[stack] ${line}`) : undefined,
    onFunctionLog: verbose ? (fn, instance, line) => console.log(`[${fn}/${instance}] ${line}`) : undefined,
  });
  return {
    ...stack,
    dataDir,
    async stop() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pids of the processes whose environment says they are replicas of `fn` (every function when omitted). */
export async function replicaPids(fn?: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const names = environ.split('\0').filter((kv) => kv.startsWith('BATON_FUNCTION='));
    if (names.length > 0 && (!fn || names.includes(`BATON_FUNCTION=${fn}`))) pids.push(Number(entry));
  }
  return pids;
}

/** The watchdog pids of `fn`: replica processes whose parent is not itself a replica of `fn`. */
export async function watchdogPids(fn: string): Promise<number[]> {
  const pids = await replicaPids(fn);
  const parents = await Promise.all(pids.map(async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }));
  return pids.filter((_, i) => !pids.includes(parents[i]!));
}
