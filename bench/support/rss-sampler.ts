/**
 * Peak resident memory growth of named processes over a window. Two measures, the larger one reported: the
 * kernel's own peak (VmHWM, reset to VmRSS at the start through /proc/<pid>/clear_refs, so nothing between two
 * samples is missed) and VmRSS sampled every `intervalMs` (a fallback where the reset is not allowed).
 */
import { memoryKiB, resetPeakRss } from './procfs.ts';
import { round } from './stats.ts';

/** Memory of one process over the window, in MiB. */
export interface RssGrowth {
  name: string;
  pid: number;
  baselineMiB: number;
  peakMiB: number;
  /** peak − baseline. */
  growthMiB: number;
  /** Whether the kernel's peak was reset at the start (else the peak is the sampled one only). */
  kernelPeak: boolean;
}

/** Watches `processes` (name → pid) from start() to stop(). */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private readonly baseline = new Map<string, number>();
  private readonly sampledPeak = new Map<string, number>();
  private readonly reset = new Map<string, boolean>();

  constructor(
    private readonly processes: Record<string, number>,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    for (const [name, pid] of Object.entries(this.processes)) {
      this.reset.set(name, resetPeakRss(pid));
      const rss = memoryKiB(pid)?.rss ?? Number.NaN;
      this.baseline.set(name, rss);
      this.sampledPeak.set(name, rss);
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Current RSS of each process in MiB, for progress lines. */
  current(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.processes).map(([name, pid]) => [name, round((memoryKiB(pid)?.rss ?? Number.NaN) / 1024, 1)]),
    );
  }

  stop(): RssGrowth[] {
    clearInterval(this.timer);
    this.sample();
    return Object.entries(this.processes).map(([name, pid]) => {
      const kernelPeak = this.reset.get(name)!;
      const hwm = kernelPeak ? (memoryKiB(pid)?.hwm ?? 0) : 0;
      const peak = Math.max(hwm, this.sampledPeak.get(name)!);
      const baseline = this.baseline.get(name)!;
      return {
        name,
        pid,
        baselineMiB: round(baseline / 1024, 1),
        peakMiB: round(peak / 1024, 1),
        growthMiB: round((peak - baseline) / 1024, 1),
        kernelPeak,
      };
    });
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.processes)) {
      const rss = memoryKiB(pid)?.rss;
      if (rss !== undefined) this.sampledPeak.set(name, Math.max(this.sampledPeak.get(name)!, rss));
    }
  }
}
