/** Runs a kill order against a stack, one kill after another at seeded random gaps, logging each kill as it happens. */
import { setTimeout as sleep } from 'node:timers/promises';
import { killOne, type KillKind, type KillRecord } from './kill.ts';
import type { StackChild } from './stack-child.ts';

/** When the kills come. */
export interface KillScheduleOptions {
  /** The gap before each kill is drawn uniformly from [min, max] ms. */
  gapMs: readonly [number, number];
  random: () => number;
  log: (line: string) => void;
  /** Stops the schedule early (the soak's end). */
  signal?: AbortSignal;
}

/** Kills each kind of `order` in turn; answers every kill done. */
export async function runKillSchedule(
  stack: StackChild,
  order: readonly KillKind[],
  options: KillScheduleOptions,
): Promise<KillRecord[]> {
  const started = Date.now();
  const kills: KillRecord[] = [];
  const [min, max] = options.gapMs;
  for (const kind of order) {
    const gap = min + options.random() * (max - min);
    await sleep(gap, undefined, { signal: options.signal }).catch(() => {});
    if (options.signal?.aborted) break;
    const at = (Date.now() - started) / 1000;
    const kill = { at, ...(await killOne(stack, kind, options.log)) };
    kills.push(kill);
    options.log(
      `kill ${kills.length}/${order.length} at ${at.toFixed(1)} s: ${kind}${kill.pid ? ` pid ${kill.pid}` : ' (none running: skipped)'}${kill.recoveryMs ? `, new supervisor ready in ${(kill.recoveryMs / 1000).toFixed(1)} s` : ''}`,
    );
  }
  return kills;
}
