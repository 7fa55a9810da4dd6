/** The command line of `npm run bench`: which benchmarks, and their settings. */
import { parseArgs } from 'node:util';
import type { BenchOptions } from './bench-context.ts';

/** The benchmarks, in the order they run. */
export const BENCH_NAMES = [
  'overhead',
  'throughput',
  'load',
  'streaming',
  'resume',
  'inference-log',
  'startup',
  'scaling',
  'orchestrator-startup',
  'soak',
] as const;
/** Benchmarks run only when named: too long for a plain `npm run bench`. */
const ONLY_WHEN_NAMED: readonly BenchName[] = ['soak'];
export type BenchName = (typeof BENCH_NAMES)[number];

export const USAGE = `usage: npm run bench [-- [${BENCH_NAMES.join('] [')}] [options]]
  (no name: all of them but soak, in that order)
  --runs=<n>           load: how many runs (default 500)
  --within-seconds=<s> load: over how many seconds they are triggered, evenly (default 60)
  --size=<bytes>       streaming: artifact size of both cases (TypeScript, Python), e.g. 2GiB (default), 512MiB
  --part-size=<bytes>  streaming: multipart part size (default 8MiB, at least 5MiB)
  --cold               startup: measure with an empty tools cache (builds every Go tool, about 9 minutes)
  --quick              fewer rounds, to try things out (less stable numbers)
  --profile            CPU profiles (--cpu-prof) of the baton and noop wrappers and the baseline worker, in a temporary folder
  --temporal-arg=<a>   experiment: append <a> to \`temporal server start-dev\` (repeatable),
                       e.g. --temporal-arg=--sqlite-pragma=journal_mode=wal
  --label=<name>       write <benchmark>-<name>.json instead of <benchmark>.json (for experiments)
  --keep-data          keep the bench stack's data folder (Temporal database and logs) for a post-mortem
  --minutes=<n>        soak: how long runs flow, with a kill every minute (default 30)
  --verbose            print every line of every function replica`;

/** Parses the arguments; throws with the usage on a mistake. */
export function parseBenchArgs(argv: string[]): {
  benches: BenchName[];
  options: Omit<BenchOptions, 'profileDir'> & { profile: boolean };
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '500' },
      'within-seconds': { type: 'string', default: '60' },
      size: { type: 'string', default: '2GiB' },
      'part-size': { type: 'string', default: '8MiB' },
      cold: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'temporal-arg': { type: 'string', multiple: true, default: [] },
      label: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      minutes: { type: 'string', default: '30' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const unknown = positionals.filter((name) => !(BENCH_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}\n${USAGE}`);
  const benches =
    positionals.length > 0
      ? BENCH_NAMES.filter((name) => positionals.includes(name))
      : BENCH_NAMES.filter((name) => !ONLY_WHEN_NAMED.includes(name));
  const soakMinutes = Number(values.minutes);
  if (!(soakMinutes > 0)) throw new Error(`--minutes must be a number of minutes above 0, not "${values.minutes}"`);
  const loadRuns = Number(values.runs);
  if (!Number.isInteger(loadRuns) || loadRuns < 1)
    throw new Error(`--runs must be a whole number of runs above 0, not "${values.runs}"`);
  const loadWithinSeconds = Number(values['within-seconds']);
  if (!(loadWithinSeconds > 0))
    throw new Error(`--within-seconds must be a number of seconds above 0, not "${values['within-seconds']}"`);
  const partBytes = bytes('--part-size', values['part-size']);
  if (partBytes < 5 * 1024 * 1024) throw new Error("--part-size must be at least 5MiB (S3's smallest part)");
  if (values.label !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values.label))
    throw new Error('--label must be lowercase letters, digits and "-"');
  return {
    benches,
    options: {
      streamBytes: bytes('--size', values.size),
      partBytes,
      cold: values.cold,
      quick: values.quick,
      profile: values.profile,
      verbose: values.verbose,
      temporalArgs: values['temporal-arg'],
      keepData: values['keep-data'],
      soakMinutes,
      loadRuns,
      loadWithinSeconds,
      ...(values.label !== undefined ? { label: values.label } : {}),
    },
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
};

/** `2GiB` → 2147483648; `100MB` → 100000000; `4096` → 4096. */
export function bytes(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  const unit = UNITS[match?.[2]?.toUpperCase() ?? 'x'];
  if (!match || unit === undefined)
    throw new Error(`${flag}: "${text}" is not a size like 2GiB, 512MiB, 100MB or 4096`);
  const value = Math.round(Number(match[1]) * unit);
  if (value <= 0) throw new Error(`${flag} must be more than 0 bytes`);
  return value;
}
