/** What every benchmark gets from bench/run.ts, and the skeleton of its result. */
import type { BenchStack } from './bench-stack.ts';
import type { MachineInfo, Versions } from './machine.ts';
import type { BenchResult } from './results.ts';

/** The settings of a bench run (command-line flags). */
export interface BenchOptions {
  verbose: boolean;
  /** Artifact size of the streaming benchmark, in bytes. */
  streamBytes: number;
  /** Multipart part size of the streaming benchmark, in bytes. */
  partBytes: number;
  /** Start-up: measure with an empty tools cache (builds every Go tool: about 9 minutes). */
  cold: boolean;
  /** Fewer rounds, for trying the benchmarks out (the numbers are then less stable). */
  quick: boolean;
  /** Where the baton and noop replicas write CPU profiles, when profiling. */
  profileDir?: string;
  /** Extra arguments for `temporal server start-dev` (an experiment: the results say so). */
  temporalArgs: string[];
  /** Results go to `<benchmark>-<label>.json` (experiments keep the plain results intact). */
  label?: string;
  /** Keep the bench stack's data folder at the end. */
  keepData: boolean;
  /** Soak: how long runs flow, in minutes. */
  soakMinutes: number;
  /** Load: how many runs, triggered evenly over `loadWithinSeconds`. */
  loadRuns: number;
  loadWithinSeconds: number;
}

/** A benchmark's view of the run. */
export interface BenchContext {
  options: BenchOptions;
  machine: MachineInfo;
  versions: Versions;
  say: (message: string) => void;
  /** The running stack; absent for benchmarks that start their own (startup). */
  stack?: BenchStack;
}

/** The parts of a result every benchmark fills the same way. */
export function resultSkeleton(
  ctx: BenchContext,
  name: string,
  title: string,
  startedAt: Date,
): Pick<BenchResult, 'name' | 'title' | 'startedAt' | 'finishedAt' | 'machine' | 'versions' | 'experiment'> {
  const { label, temporalArgs } = ctx.options;
  return {
    name: label ? `${name}-${label}` : name,
    title,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: ctx.machine,
    versions: ctx.versions,
    ...(label || temporalArgs.length > 0 ? { experiment: { ...(label ? { label } : {}), temporalArgs } } : {}),
  };
}

/** Measured and warm-up rounds of an interleaved benchmark: 30 and 3, or 5 and 1 with `--quick`. */
export function roundsOf(options: BenchOptions): { rounds: number; warmup: number } {
  return options.quick ? { rounds: 5, warmup: 1 } : { rounds: 30, warmup: 3 };
}
