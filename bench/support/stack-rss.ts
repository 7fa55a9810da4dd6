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

/** The longest-lived process of a kind over the soak: its RSS when first and last seen, and for how long (s). */
export interface KindLifetime {
  pid: number;
  firstMiB: number;
  lastMiB: number;
  seenSeconds: number;
}

/**
 * Samples every kind's process at an interval and keeps, per process, its first and last RSS: a leak shows as growth
 * of one process over a long life, which start-and-end figures miss when kills replace processes meanwhile.
 */
export class LifetimeSampler {
  private readonly seen = new Map<
    string,
    { kind: string; first: KindRss; last: KindRss; firstAt: number; lastAt: number }
  >();
  private timer?: NodeJS.Timeout;

  constructor(private readonly stack: StackChild) {}

  /** Samples now and every `intervalMs`. */
  start(intervalMs = 60_000): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** Stops sampling (after a last sample); per kind, its longest-seen process. */
  async stop(): Promise<Record<string, KindLifetime>> {
    clearInterval(this.timer);
    await this.sample();
    const out: Record<string, KindLifetime> = {};
    for (const { kind, first, last, firstAt, lastAt } of this.seen.values()) {
      const seenSeconds = round((lastAt - firstAt) / 1000, 0);
      if ((out[kind]?.seenSeconds ?? -1) < seenSeconds)
        out[kind] = { pid: first.pid, firstMiB: first.rssMiB, lastMiB: last.rssMiB, seenSeconds };
    }
    return out;
  }

  private async sample(): Promise<void> {
    const now = Date.now();
    for (const [kind, rss] of Object.entries(await stackRss(this.stack))) {
      const key = `${kind}/${rss.pid}`;
      const entry = this.seen.get(key);
      if (entry) Object.assign(entry, { last: rss, lastAt: now });
      else this.seen.set(key, { kind, first: rss, last: rss, firstAt: now, lastAt: now });
    }
  }
}
