/**
 * A lean local stack for the scaling test and benchmark: only the orchestrator (its block from the repository's
 * stack.yml, with test-sized scaler knobs) and the `scaling-work` function, so replicas start fast on a small
 * machine. The stack file is generated from stack.yml each time, so the orchestrator's definition cannot drift.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { startTestStack, type TestStack } from './test-stack.ts';

const fixtures = fileURLToPath(new URL('../fixtures/scaling/', import.meta.url));

/** How to size the lean stack. */
export interface ScalingStackOptions {
  /** The orchestrator's environment on top of stack.yml's (BATON_SCALER_*, concurrency...). */
  batonEnv: Record<string, string>;
  /** The orchestrator's `com.openfaas.scale.max` (min is 1). */
  batonMax: number;
  /** `scaling-work`'s `max_inflight` (its target per replica) and `com.openfaas.scale.max`. */
  workMaxInflight: number;
  workMax: number;
  /** Print every line of the stack and its functions (also BATON_TEST_VERBOSE=1). */
  verbose?: boolean;
  /** Where progress goes when verbose (default console.log). */
  say?: (line: string) => void;
}

export async function startScalingStack(options: ScalingStackOptions): Promise<TestStack> {
  return startTestStack({
    stackFiles: async (dataDir) => [await writeStackFile(dataDir, options)],
    workflowsDir: join(fixtures, 'workflows'),
    verbose: options.verbose,
    say: options.say,
  });
}

async function writeStackFile(dataDir: string, options: ScalingStackOptions): Promise<string> {
  const repoStack = join(repoRoot, 'stack.yml');
  const baton = (
    parseYaml(await readFile(repoStack, 'utf8'), { merge: true }) as {
      functions: Record<string, Record<string, unknown>>;
    }
  ).functions.baton!;
  const base = dirname(repoStack);
  const functions = {
    baton: {
      ...baton,
      handler: resolve(base, baton.handler as string),
      environment_file: ((baton.environment_file as string[] | undefined) ?? []).map((file) => resolve(base, file)),
      environment: { ...(baton.environment as Record<string, string>), ...options.batonEnv },
      labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': String(options.batonMax) },
    },
    'scaling-work': {
      lang: 'baton-node',
      handler: join(fixtures, 'functions/scaling-work'),
      image: 'baton-test/scaling-work:latest',
      environment_file: [join(repoRoot, 'deploy/env/artifacts.yml')],
      environment: { exec_timeout: '30s', write_timeout: '30s', max_inflight: String(options.workMaxInflight) },
      secrets: ['s3-access-key-scaling-work', 's3-secret-key-scaling-work', 'baton-step-key-scaling-work'],
      annotations: { 'com.baton.storage': 'write:runs/' },
      labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': String(options.workMax) },
    },
  };
  const file = join(dataDir, 'scaling-stack.yml');
  await writeFile(file, stringifyYaml({ version: 1.0, provider: { name: 'openfaas' }, functions }));
  return file;
}
