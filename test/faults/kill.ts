/**
 * The fault matrix's kills: each kind of process of the stack, found by its pid file or its environment, SIGKILLed
 * at moments drawn from a seeded generator. Kinds come in rounds, each round every kind once in a shuffled order, so
 * a run of `rounds` rounds kills every kind exactly `rounds` times.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processStartTicks } from '../../deploy/local/pid-files.ts';
import { watchdogPids } from '../support/test-stack.ts';
import { shuffled } from './prng.ts';
import type { StackChild } from './stack-child.ts';

/** The servers, the supervisor (with its gateway) and the functions whose replicas the fault tests kill. */
export const SERVER_KINDS = ['minio', 'temporal'] as const;
/** The orchestrator and every step function the demo and the resumable pipeline call. */
export const FUNCTION_KINDS = [
  'baton',
  'ingest',
  'validate-dataset',
  'train',
  'train-epochs',
  'evaluate',
  'register-model',
  'promote-model',
  'report',
] as const;
export const KILL_KINDS = [...SERVER_KINDS, 'supervisor', ...FUNCTION_KINDS] as const;
export type KillKind = (typeof KILL_KINDS)[number];

/** One kill done (or tried). */
export interface KillRecord {
  /** Seconds since the schedule started. */
  at: number;
  kind: KillKind;
  /** The pid killed; undefined when no process of the kind was found in time. */
  pid?: number;
  /** How long the kind took to come back, when the kill waited for it (the supervisor). */
  recoveryMs?: number;
}

/** The kinds of `rounds` rounds, each round every kind once, shuffled by `random`. */
export function killOrder(rounds: number, random: () => number): KillKind[] {
  const order: KillKind[] = [];
  for (let round = 0; round < rounds; round++) order.push(...shuffled(KILL_KINDS, random));
  return order;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The running pid of a kind (the first replica of a function), undefined while none runs (between a death and its restart). */
export async function pidOf(stack: StackChild, kind: KillKind): Promise<number | undefined> {
  if (kind === 'supervisor') return stack.pid;
  if (kind === 'minio' || kind === 'temporal') {
    const text = await readFile(join(stack.dataDir, 'run', 'pids', `${kind}.json`), 'utf8').catch(() => undefined);
    const record = text ? (JSON.parse(text) as { pid: number; startTicks: string }) : undefined;
    return record && processStartTicks(record.pid) === record.startTicks ? record.pid : undefined;
  }
  const pids = await watchdogPids(stack, kind);
  return pids[0];
}

/**
 * SIGKILLs one process of `kind` (waiting up to `findMs` for one to run). Killing the supervisor also starts a new one
 * on the same data folder and ports and waits until it is ready: the stream of runs needs a gateway.
 */
export async function killOne(
  stack: StackChild,
  kind: KillKind,
  log: (line: string) => void,
  findMs = 20_000,
): Promise<Omit<KillRecord, 'at'>> {
  const deadline = Date.now() + findMs;
  let pid = await pidOf(stack, kind);
  while (pid === undefined && Date.now() < deadline) {
    await sleep(250);
    pid = await pidOf(stack, kind);
  }
  if (pid === undefined) return { kind };
  if (kind === 'supervisor') {
    await stack.kill();
    const started = Date.now();
    await stack.restart(log);
    return { kind, pid, recoveryMs: Date.now() - started };
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return { kind }; // it ended between finding and killing it
  }
  return { kind, pid };
}
