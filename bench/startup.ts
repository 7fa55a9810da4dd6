/**
 * `startup`: how long `node deploy/local/start.ts --demo-once` (what `npm run demo` runs) takes from spawn to the
 * first completed demo run, on free ports (BATON_*_PORT) in a fresh temporary BATON_DATA_DIR, with the tools cache
 * warm. Three rounds, the median reported, with the phases read from its output. `--cold` measures one round with
 * an empty temporary BATON_TOOLS_DIR instead (every Go tool is built: about 9 minutes).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { allocatePort } from '../deploy/local/ports.ts';
import { portKeys, repoRoot } from '../deploy/local/stack-config.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { benchSignal, onStop } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { median, round, summarize } from './support/stats.ts';

/** Lines of start.ts that mark the end of a phase, in order. */
const MARKS = [
  ['toolsReady', /^\[stack\] starting Temporal and MinIO/],
  ['serversReady', /^\[stack\] Temporal on /],
  ['stackReady', /^Baton is up\./],
  ['demoStarted', /^demo: started run/],
  ['firstRunCompleted', /^demo: completed in/],
] as const;
type Mark = (typeof MARKS)[number][0] | 'exited';

/** Measured on this machine with an empty tools cache (`npm run setup`, BATON_TOOLS_DIR=/tmp/cold/tools). */
const DOCUMENTED_COLD =
  'cold tools cache, measured once on this machine (2 cores, `npm run setup` into an empty BATON_TOOLS_DIR): 529.7 s in all (8 min 50 s wall) — temporal go install 281.7 s, minio go install 216.3 s, Python venv 30.2 s, stand-in watchdog go build 1.1 s; then add the warm start-up below';

/** Runs the benchmark; starts and stops its own stacks (no bench stack may run meanwhile). */
export async function runStartup(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const cold = ctx.options.cold;
  const rounds = cold || ctx.options.quick ? 1 : 3;
  const times: Record<Mark, number[]> = {
    toolsReady: [],
    serversReady: [],
    stackReady: [],
    demoStarted: [],
    firstRunCompleted: [],
    exited: [],
  };
  for (let i = 0; i < rounds; i++) {
    benchSignal.throwIfAborted();
    ctx.say(
      `round ${i + 1}/${rounds}: node deploy/local/start.ts --demo-once${cold ? ' with an empty tools cache' : ''}…`,
    );
    const marks = await startOnce(ctx, cold);
    for (const [mark, seconds] of Object.entries(marks) as [Mark, number][]) times[mark].push(seconds);
    ctx.say(
      `round ${i + 1}/${rounds}: stack ready after ${marks.stackReady.toFixed(1)} s, first run completed after ${marks.firstRunCompleted.toFixed(1)} s, all stopped after ${marks.exited.toFixed(1)} s`,
    );
  }
  const m = (mark: Mark) => round(median(times[mark]), 2);
  const prefix = cold ? 'cold' : 'warm';
  return {
    ...resultSkeleton(
      ctx,
      'startup',
      `start-up to the first completed demo run (${cold ? 'cold' : 'warm'} tools cache)`,
      startedAt,
    ),
    config: { rounds, toolsCache: cold ? 'empty (temporary BATON_TOOLS_DIR)' : 'warm' },
    metrics: {
      [`${prefix}StartupToFirstRunS`]: m('firstRunCompleted'),
      [`${prefix}StackReadyS`]: m('stackReady'),
      toolsCheckS: m('toolsReady'),
      serversReadyS: m('serversReady'),
      functionsReadyS: round(m('stackReady') - m('serversReady'), 2),
      demoRunS: round(m('firstRunCompleted') - m('demoStarted'), 2),
      stopS: round(m('exited') - m('firstRunCompleted'), 2),
    },
    targets: [],
    samples: Object.fromEntries(Object.entries(times).map(([mark, values]) => [`${mark}S`, summarize(values)])),
    details: {},
    notes: [
      'Seconds from spawning `node --import tsx deploy/local/start.ts --demo-once` to the line that ends each phase: tools checked (`[stack] starting Temporal and MinIO`), Temporal and MinIO answering, every function replica ready (`Baton is up.`), the demo run triggered and completed (`demo: completed`), and the process gone after stopping everything.',
      `Each round has its own free ports and empty data folder: a fresh Temporal database and MinIO, so the demo's ingest really downloads and stores its dataset.`,
      cold
        ? "Measured with an empty tools cache in this run (Go's own module and build caches, GOMODCACHE and GOCACHE, stay as they are: on a new machine they are empty too)."
        : `Not re-measured here: ${DOCUMENTED_COLD}. \`npm run bench -- startup --cold\` measures it again.`,
    ],
  };
}

/** One start.ts run; seconds since spawn at each mark. */
async function startOnce(ctx: BenchContext, cold: boolean): Promise<Record<Mark, number>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-startup-'));
  const toolsDir = cold ? await mkdtemp(join(tmpdir(), 'baton-bench-tools-')) : undefined;
  const removeDirs = onStop('start-up data folders', async () => {
    await rm(dataDir, { recursive: true, force: true });
    if (toolsDir) await rm(toolsDir, { recursive: true, force: true });
  });
  const ports: Record<string, string> = {};
  for (const key of Object.values(portKeys)) ports[key] = String(await allocatePort());
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'deploy/local/start.ts', '--demo-once'], {
    cwd: repoRoot,
    env: { ...process.env, ...ports, BATON_DATA_DIR: dataDir, ...(toolsDir ? { BATON_TOOLS_DIR: toolsDir } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: Ctrl-C reaches it once, through stop() below
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stopChild = onStop('start.ts --demo-once', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // start.ts stops its stack on SIGINT
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    await exited;
    clearTimeout(killer);
  });
  const marks: Partial<Record<Mark, number>> = {};
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    if (ctx.options.verbose || /^\[setup\].*(building|built|created)/.test(line)) ctx.say(`  ${line}`);
    const next = MARKS.find(([mark, pattern]) => marks[mark] === undefined && pattern.test(line));
    if (next) marks[next[0]] = (performance.now() - started) / 1000;
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  try {
    const code = await exited;
    marks.exited = (performance.now() - started) / 1000;
    const missing = MARKS.filter(([mark]) => marks[mark] === undefined).map(([mark]) => mark);
    if (code !== 0 || missing.length > 0)
      throw new Error(
        `start.ts --demo-once exited with ${code}${missing.length ? ` before ${missing.join(', ')}` : ''}:\n${tail.join('\n')}`,
      );
    return marks as Record<Mark, number>;
  } finally {
    stopChild();
    await rm(dataDir, { recursive: true, force: true });
    if (toolsDir) await rm(toolsDir, { recursive: true, force: true });
    removeDirs();
  }
}
