/** The soak's figures over time: runs closed, runs/s and run latency (accepted → closed) per window. */
import type { LoadRun } from '../../test/faults/load.ts';
import { quantile, round } from './stats.ts';

/** One window of the soak. */
export interface SoakWindow {
  /** Minutes since the start: [from, to). */
  fromMin: number;
  toMin: number;
  closed: number;
  runsPerSecond: number;
  latencyP50S: number;
  latencyP99S: number;
}

/** Runs that closed in each `windowMin`-minute window since `startedAt`, their rate and latency percentiles. */
export function soakWindows(
  runs: readonly LoadRun[],
  startedAt: number,
  endAt: number,
  windowMin: number,
): SoakWindow[] {
  const windows: SoakWindow[] = [];
  const windowMs = windowMin * 60_000;
  // A last window of a few seconds (the stream stops just after a full window) says nothing: left out.
  for (let from = startedAt; from < endAt - 10_000; from += windowMs) {
    const to = Math.min(from + windowMs, endAt);
    const latencies = runs
      .filter((run) => run.closedAt !== undefined && run.closedAt >= from && run.closedAt < to)
      .map((run) => (run.closedAt! - run.acceptedAt) / 1000)
      .sort((a, b) => a - b);
    windows.push({
      fromMin: round((from - startedAt) / 60_000, 1),
      toMin: round((to - startedAt) / 60_000, 1),
      closed: latencies.length,
      runsPerSecond: round(latencies.length / ((to - from) / 1000), 3),
      latencyP50S: round(quantile(latencies, 0.5), 1),
      latencyP99S: round(quantile(latencies, 0.99), 1),
    });
  }
  return windows;
}
