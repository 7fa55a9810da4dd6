/**
 * Resident memory of every long-lived process of a fault-test stack, by kind (MinIO, Temporal, the supervisor with
 * its gateway, each function's replica with the wrapper it runs), and how long each has been running: after kills a
 * kind's process may be younger than the soak, and only an old process's growth says something about a leak.
 */
import { readFileSync } from 'node:fs';
import { processStartTicks } from '../../deploy/local/pid-files.ts';
import { KILL_KINDS, pidOf } from '../../test/faults/kill.ts';
import type { StackChild } from '../../test/faults/stack-child.ts';
import { childPids, memoryKiB } from './procfs.ts';
import { round } from './stats.ts';

/** One kind's process: its pid, its RSS with its descendants' (MiB), and its age (s). */
export interface KindRss {
  pid: number;
  rssMiB: number;
  ageSeconds: number;
}

const CLOCK_TICKS = 100;

/** RSS of `pid` and everything under it, in KiB. */
function treeRssKiB(pid: number): number {
  return (memoryKiB(pid)?.rss ?? 0) + childPids(pid).reduce((sum, child) => sum + treeRssKiB(child), 0);
}

/** Seconds since `pid` started. */
function ageSeconds(pid: number): number {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return round(uptime - Number(processStartTicks(pid) ?? 0) / CLOCK_TICKS, 0);
}

/** Every kind's process now (kinds with none running, between a death and a restart, are left out). */
export async function stackRss(stack: StackChild): Promise<Record<string, KindRss>> {
  const out: Record<string, KindRss> = {};
  for (const kind of KILL_KINDS) {
    const pid = await pidOf(stack, kind);
    // The supervisor's tree holds its replicas: its own memory is what counts for it.
    const kib = kind === 'supervisor' ? (memoryKiB(pid ?? -1)?.rss ?? 0) : pid ? treeRssKiB(pid) : 0;
    if (pid) out[kind] = { pid, rssMiB: round(kib / 1024, 1), ageSeconds: ageSeconds(pid) };
  }
  return out;
}
