/**
 * Peak resident memory of a function's replicas while their number may change (the scaler adds orchestrator
 * replicas under load): each replica's peak is the kernel's VmHWM (reset at start for the replicas already up; a
 * replica started meanwhile has only lived in the window) or its VmRSS sampled every `intervalMs`, the larger.
 */
import { memoryKiB, resetPeakRss } from './procfs.ts';
import { round } from './stats.ts';

/** What the window saw, in MiB. */
export interface ReplicaRssReport {
  /** The busiest replica's RSS before the window (the largest of those up at start). */
  beforeMiB: number;
  /** The largest peak of one replica. */
  peakMiB: number;
  /** The largest sum over the replicas at one sample. */
  peakTotalMiB: number;
  /** Replicas seen during the window, and the most at once. */
  replicasSeen: number;
  replicasAtOnce: number;
}

/** Watches the pids `pids()` lists (asked again at every sample) from start() to stop(). */
export class ReplicaRssSampler {
  private timer?: NodeJS.Timeout;
  private readonly peaks = new Map<number, { kiB: number; hwmValid: boolean }>();
  private before = 0;
  private peakTotal = 0;
  private atOnce = 0;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    for (const pid of this.pids()) {
      const rss = memoryKiB(pid)?.rss ?? 0;
      this.before = Math.max(this.before, rss);
      this.peaks.set(pid, { kiB: rss, hwmValid: resetPeakRss(pid) });
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): ReplicaRssReport {
    clearInterval(this.timer);
    this.sample();
    for (const [pid, peak] of this.peaks) {
      const hwm = peak.hwmValid ? (memoryKiB(pid)?.hwm ?? 0) : 0;
      peak.kiB = Math.max(peak.kiB, hwm);
    }
    const mib = (kiB: number) => round(kiB / 1024, 1);
    return {
      beforeMiB: mib(this.before),
      peakMiB: mib(Math.max(0, ...[...this.peaks.values()].map((peak) => peak.kiB))),
      peakTotalMiB: mib(this.peakTotal),
      replicasSeen: this.peaks.size,
      replicasAtOnce: this.atOnce,
    };
  }

  private sample(): void {
    let total = 0;
    let count = 0;
    for (const pid of this.pids()) {
      const rss = memoryKiB(pid)?.rss;
      if (rss === undefined) continue;
      // A replica first seen now started during the window: its lifetime peak (VmHWM) is within the window.
      const peak = this.peaks.get(pid) ?? { kiB: 0, hwmValid: true };
      peak.kiB = Math.max(peak.kiB, rss);
      this.peaks.set(pid, peak);
      total += rss;
      count++;
    }
    this.peakTotal = Math.max(this.peakTotal, total);
    this.atOnce = Math.max(this.atOnce, count);
  }
}
