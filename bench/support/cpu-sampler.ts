/**
 * Samples the CPU use of named processes once a second over a window, and of the whole machine, to say which
 * process saturates first. A share is in cores: 1.0 = one core busy for the whole window.
 */
import { cpus } from 'node:os';
import { cpuSeconds, machineTicks } from './procfs.ts';
import { round } from './stats.ts';

/** CPU use of one named group of processes over the window. */
export interface CpuUse {
  name: string;
  /** Mean cores used over the window. */
  meanCores: number;
  /** The busiest one-second sample, in cores. */
  peakCores: number;
  /** meanCores / cores of the machine. */
  shareOfMachine: number;
}

/** What a window of samples found. */
export interface CpuReport {
  wallSeconds: number;
  cores: number;
  /** Mean busy cores of the whole machine, whoever used them. */
  machineBusyCores: number;
  /** Busy cores not accounted for by the named processes (other work on a shared machine). */
  otherCores: number;
  /** Busiest first. */
  processes: CpuUse[];
}

/**
 * Samples `groups` (name → pids) every `intervalMs` from start() to stop(). `groups` may be a function, asked again
 * at every sample: a process that appears meanwhile (a replica the scaler adds) counts from the sample that first
 * sees it (at most one interval of its CPU is missed).
 */
export class CpuSampler {
  private timer?: NodeJS.Timeout;
  /** CPU seconds of each process when first seen, and their group: a group's use is the sum of what each added since. */
  private readonly seen = new Map<number, { group: string; first: number; last: number }>();
  /** The group names, in the order first given. */
  private names: string[] = [];
  private started = 0;
  private machineStart = 0;
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private lastSampleAt = 0;

  private readonly groups: () => Record<string, number[]>;

  constructor(
    groups: Record<string, number[]> | (() => Record<string, number[]>),
    private readonly intervalMs = 1000,
  ) {
    this.groups = typeof groups === 'function' ? groups : () => groups;
  }

  start(): void {
    this.started = this.lastSampleAt = performance.now();
    this.machineStart = machineTicks().busy;
    this.refresh();
    for (const name of this.names) {
      const used = this.used(name);
      this.first.set(name, used);
      this.last.set(name, used);
      this.peaks.set(name, 0);
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): CpuReport {
    clearInterval(this.timer);
    this.sample();
    this.refresh(); // sample() skips a sample right after the last one
    const wallSeconds = (performance.now() - this.started) / 1000;
    const cores = cpus().length;
    const processes = this.names
      .map((name) => {
        const meanCores = (this.used(name) - (this.first.get(name) ?? 0)) / wallSeconds;
        return {
          name,
          meanCores: round(meanCores),
          peakCores: round(this.peaks.get(name) ?? 0),
          shareOfMachine: round(meanCores / cores),
        };
      })
      .sort((a, b) => b.meanCores - a.meanCores);
    const machineBusyCores = (machineTicks().busy - this.machineStart) / wallSeconds;
    const ours = processes.reduce((sum, process) => sum + process.meanCores, 0);
    return {
      wallSeconds: round(wallSeconds),
      cores,
      machineBusyCores: round(machineBusyCores),
      otherCores: round(Math.max(0, machineBusyCores - ours)),
      processes,
    };
  }

  private sample(): void {
    const now = performance.now();
    const seconds = (now - this.lastSampleAt) / 1000;
    if (seconds <= 0.05) return;
    this.lastSampleAt = now;
    this.refresh();
    for (const name of this.names) {
      const used = this.used(name);
      if (!this.last.has(name)) {
        // A group first listed after start() (its processes appeared since): it used nothing before.
        this.first.set(name, 0);
        this.last.set(name, 0);
        this.peaks.set(name, 0);
      }
      this.peaks.set(name, Math.max(this.peaks.get(name)!, (used - this.last.get(name)!) / seconds));
      this.last.set(name, used);
    }
  }

  /** Asks for the groups again: new processes start counting from now, known ones are read afresh. */
  private refresh(): void {
    const groups = this.groups();
    for (const name of Object.keys(groups)) if (!this.names.includes(name)) this.names.push(name);
    for (const [group, pids] of Object.entries(groups)) {
      for (const pid of pids) {
        const now = cpuSeconds(pid);
        const known = this.seen.get(pid);
        if (known) known.last = now ?? known.last;
        else if (now !== undefined) this.seen.set(pid, { group, first: now, last: now });
      }
    }
  }

  /** CPU seconds a group used since its processes were first seen; a process that is gone keeps its last value. */
  private used(name: string): number {
    let sum = 0;
    for (const entry of this.seen.values()) if (entry.group === name) sum += entry.last - entry.first;
    return sum;
  }
}

/** Merges the reports of several windows into one, weighting each by its length. */
export function mergeCpuReports(reports: CpuReport[]): CpuReport {
  const wall = reports.reduce((sum, report) => sum + report.wallSeconds, 0);
  const weighted = (pick: (report: CpuReport) => number) =>
    round(reports.reduce((sum, report) => sum + pick(report) * report.wallSeconds, 0) / wall);
  const names = reports[0]?.processes.map((process) => process.name) ?? [];
  const cores = reports[0]?.cores ?? cpus().length;
  const processes = names
    .map((name) => {
      const of = (report: CpuReport) => report.processes.find((process) => process.name === name)!;
      const meanCores = weighted((report) => of(report).meanCores);
      return {
        name,
        meanCores,
        peakCores: Math.max(...reports.map((report) => of(report).peakCores)),
        shareOfMachine: round(meanCores / cores),
      };
    })
    .sort((a, b) => b.meanCores - a.meanCores);
  return {
    wallSeconds: round(wall),
    cores,
    machineBusyCores: weighted((report) => report.machineBusyCores),
    otherCores: weighted((report) => report.otherCores),
    processes,
  };
}

/** Each process group's mean cores as a metric: `baton wrapper (node)` → `cores_batonWrapperNode`. */
export function coresMetrics(report: CpuReport): Record<string, number> {
  const camel = (name: string) =>
    name.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ? next.toUpperCase() : ''));
  return Object.fromEntries(report.processes.map((process) => [`cores_${camel(process.name)}`, process.meanCores]));
}
