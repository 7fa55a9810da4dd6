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

/** Samples `groups` (name → pids) every `intervalMs` from start() to stop(). */
export class CpuSampler {
  private timer?: NodeJS.Timeout;
  private started = 0;
  private machineStart = 0;
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private lastSampleAt = 0;

  constructor(
    private readonly groups: Record<string, number[]>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.started = this.lastSampleAt = performance.now();
    this.machineStart = machineTicks().busy;
    for (const name of Object.keys(this.groups)) {
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
    const wallSeconds = (performance.now() - this.started) / 1000;
    const cores = cpus().length;
    const processes = Object.keys(this.groups)
      .map((name) => {
        const meanCores = (this.last.get(name)! - this.first.get(name)!) / wallSeconds;
        return {
          name,
          meanCores: round(meanCores),
          peakCores: round(this.peaks.get(name)!),
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
    for (const name of Object.keys(this.groups)) {
      const used = this.used(name);
      this.peaks.set(name, Math.max(this.peaks.get(name)!, (used - this.last.get(name)!) / seconds));
      this.last.set(name, used);
    }
  }

  /** CPU seconds of a group; a process that is gone keeps its last known value. */
  private used(name: string): number {
    return this.groups[name]!.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
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
