/**
 * The result files: `bench/results/<name>.json` per benchmark, and `bench/results/README.md`, a table of every
 * result present, rebuilt after each run (a subset run keeps the other benchmarks' last results).
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo, Versions } from './machine.ts';
import type { Summary } from './stats.ts';

/** A target a metric should meet on this machine. */
export interface Target {
  metric: string;
  op: '<=' | '>=';
  value: number;
  /** The same metric before a change that moved it: its value and the commit it was measured at (same machine). */
  before?: { value: number; commit: string };
}

/** One benchmark's result, as written to `<name>.json`. */
export interface BenchResult {
  name: string;
  title: string;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  versions: Versions;
  /** Set when the run changed the stack for an experiment (`--label`, `--temporal-arg`). */
  experiment?: { label?: string; temporalArgs: string[] };
  /** The settings it ran with (rounds, sizes, ...). */
  config: Record<string, unknown>;
  /** Named numbers: medians, percentiles and ratios (ms, MB/s, MiB, steps/s: the name says which). */
  metrics: Record<string, number>;
  targets: Target[];
  /** The raw sample sets, summarized. */
  samples: Record<string, Summary>;
  /** Anything else worth keeping (CPU shares, per-process memory), as plain data. */
  details: Record<string, unknown>;
  /** What the numbers mean and what limits them. */
  notes: string[];
}

/** Whether a metric meets its target. */
export function meets(result: BenchResult, target: Target): boolean {
  const value = result.metrics[target.metric];
  if (value === undefined || Number.isNaN(value)) return false;
  return target.op === '<=' ? value <= target.value : value >= target.value;
}

/** Writes `<dir>/<name>.json` (through a .tmp file, so a crash never leaves half a file). */
export async function writeResult(dir: string, result: BenchResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

const ORDER = [
  'overhead',
  'throughput',
  'load',
  'streaming',
  'resume',
  'startup',
  'scaling',
  'orchestrator-startup',
  'inference-log',
  'soak',
];

/** Rebuilds `<dir>/README.md` from every `<name>.json` in `dir`. */
export async function writeReadme(dir: string): Promise<string> {
  const names = (await readdir(dir))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length));
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const results = await Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as BenchResult),
  );
  const file = join(dir, 'README.md');
  await writeFile(file, renderReadme(results));
  return file;
}

function rank(name: string): number {
  const index = ORDER.indexOf(ORDER.includes(name) ? name : name.split('-')[0]!);
  return index < 0 ? ORDER.length : index;
}

/** The markdown page: one summary table of the targets, then each benchmark's metrics and notes. */
export function renderReadme(results: BenchResult[]): string {
  const lines = [
    '# Baton benchmarks',
    '',
    'Written by `npm run bench` (`bench/run.ts`); do not edit by hand. Each benchmark also writes `<name>.json` here',
    'with every metric, the raw sample summaries, the machine and the versions. The machine is shared and noisy:',
    'numbers are medians (and p99 where said) over interleaved rounds, and comparisons are ratios measured in the same run.',
    '',
    '## Targets',
    '',
    '| benchmark | metric | before | measured | target | met |',
    '|---|---|---:|---:|---:|:---:|',
  ];
  for (const result of results) {
    for (const target of result.targets) {
      lines.push(
        `| ${result.name} | \`${target.metric}\` | ${target.before ? `${format(target.before.value)} (${target.before.commit.slice(0, 7)})` : ''} | ${format(result.metrics[target.metric])} | ${target.op} ${target.value} | ${meets(result, target) ? 'yes' : '**no**'} |`,
      );
    }
  }
  for (const result of results) {
    const { machine, versions } = result;
    lines.push(
      '',
      `## ${result.name}: ${result.title}`,
      '',
      `${result.startedAt} · ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage1m} at start · ` +
        `node ${versions.node}, Temporal CLI ${versions.temporalCli}, server ${versions.temporalServer}, watchdog ${versions.watchdogKind}, ` +
        `baton ${versions.batonCommit.slice(0, 12)}${versions.batonCommit.endsWith('+dirty') ? '+dirty' : ''}`,
      '',
      `Settings: ${Object.entries(result.config)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(', ')}`,
      ...(result.experiment
        ? [
            '',
            `**Experiment** (not the stack as shipped): temporal server start-dev ${result.experiment.temporalArgs.join(' ') || '(unchanged)'}`,
          ]
        : []),
      '',
      '| metric | value |',
      '|---|---:|',
      ...Object.entries(result.metrics).map(([metric, value]) => `| \`${metric}\` | ${format(value)} |`),
    );
    if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `- ${note}`));
  }
  return `${lines.join('\n')}\n`;
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
