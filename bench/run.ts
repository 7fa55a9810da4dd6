/**
 * `npm run bench`: starts the real local stack on free ports in a temporary data folder (with the benchmarks'
 * functions and pipelines), runs the chosen benchmarks, writes `bench/results/<name>.json` and rebuilds
 * `bench/results/README.md`. Every process it starts is stopped at the end, on a failure and on Ctrl-C.
 * Benchmarks, not tests: missing a target is reported, and the exit code is 0 unless a benchmark failed.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from '../deploy/tools/tools.ts';
import { runOrchestratorStartup } from './orchestrator-startup.ts';
import { runInferenceLog } from './inference-log.ts';
import { runLoad } from './load.ts';
import { runOverhead } from './overhead.ts';
import { runResume } from './resume.ts';
import { runScaling } from './scaling.ts';
import { runSoak } from './soak.ts';
import { runStartup } from './startup.ts';
import { runStreaming } from './streaming.ts';
import { runThroughput } from './throughput.ts';
import { parseBenchArgs, type BenchName } from './support/args.ts';
import type { BenchContext, BenchOptions } from './support/bench-context.ts';
import { startBenchStack } from './support/bench-stack.ts';
import { benchSignal, stopAll, stopOnSignals } from './support/lifecycle.ts';
import { machineInfo, versionsOf } from './support/machine.ts';
import { say, sayFor } from './support/progress.ts';
import { meets, writeReadme, writeResult, type BenchResult } from './support/results.ts';

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const benchmarks: Record<BenchName, { run: (ctx: BenchContext) => Promise<BenchResult>; needsStack: boolean }> = {
  overhead: { run: runOverhead, needsStack: true },
  throughput: { run: runThroughput, needsStack: true },
  load: { run: runLoad, needsStack: true },
  streaming: { run: runStreaming, needsStack: true },
  resume: { run: runResume, needsStack: true },
  'inference-log': { run: runInferenceLog, needsStack: true },
  startup: { run: runStartup, needsStack: false },
  // Starts its own two lean stacks (scaler on, fixed single replica): the shared bench stack has every function.
  scaling: { run: runScaling, needsStack: false },
  // Starts its own Temporal dev server and one orchestrator replica at a time.
  'orchestrator-startup': { run: runOrchestratorStartup, needsStack: false },
  // Starts its own stack in a child process: its supervisor is among the processes it kills.
  soak: { run: runSoak, needsStack: false },
};

const log = sayFor('bench');
let failed = 0;
try {
  const { benches, options: parsed } = parseBenchArgs(process.argv.slice(2));
  stopOnSignals(log);
  const options: BenchOptions = {
    ...parsed,
    ...(parsed.profile ? { profileDir: await mkdtemp(join(tmpdir(), 'baton-bench-profiles-')) } : {}),
  };
  log(`benchmarks: ${benches.join(', ')}`);
  const tools = await ensureTools({ progress: sayFor('setup') });
  const base = { options, machine: machineInfo(), versions: versionsOf(tools) };
  log(
    `machine: ${base.machine.cores} cores, ${base.machine.memoryGiB} GiB, ${base.machine.cpuModel}, load ${base.machine.loadAverage1m}; watchdog: ${tools.watchdogKind}`,
  );

  const withStack = benches.filter((name) => benchmarks[name].needsStack);
  if (withStack.length > 0) {
    log('starting the bench stack…');
    const stack = await startBenchStack({
      tools,
      say: sayFor('stack'),
      verbose: options.verbose,
      profileDir: options.profileDir,
      temporalArgs: options.temporalArgs,
      keepData: options.keepData,
    });
    log(
      `bench stack up: gateway ${stack.stack.gatewayUrl}, Temporal ${stack.stack.temporalAddress}, data ${stack.dataDir}`,
    );
    for (const name of withStack) failed += await runOne(name, { ...base, stack, say: sayFor(name) });
    log('stopping the bench stack…');
    await stopAll(log);
    if (options.profileDir)
      log(
        `CPU profiles of the baton and noop wrappers and the baseline worker: ${options.profileDir} (open in Chrome DevTools or speedscope)`,
      );
  }
  for (const name of benches.filter((n) => !benchmarks[n].needsStack))
    failed += await runOne(name, { ...base, say: sayFor(name) });
  log(`results table: ${await writeReadme(resultsDir)}`);
} catch (error) {
  const message = (error as Error).message;
  if (message.startsWith('usage:'))
    console.log(message); // --help
  else {
    failed++;
    say('bench', `failed: ${message}`);
  }
} finally {
  await stopAll(log);
}
process.exit(failed > 0 ? 1 : 0);

/** Runs one benchmark, writes its result and prints its headline numbers; 1 when it failed, else 0. */
async function runOne(name: BenchName, ctx: BenchContext): Promise<number> {
  if (benchSignal.aborted) return 1;
  ctx.say('starting');
  try {
    const result = await benchmarks[name].run(ctx);
    const file = await writeResult(resultsDir, result);
    for (const target of result.targets) {
      ctx.say(
        `${target.metric} = ${result.metrics[target.metric]} (target ${target.op} ${target.value}: ${meets(result, target) ? 'met' : 'MISSED'})`,
      );
    }
    for (const note of result.notes.filter((n) => n.startsWith('First bottleneck'))) ctx.say(note);
    ctx.say(`wrote ${file}`);
    return 0;
  } catch (error) {
    if (benchSignal.aborted) throw error;
    ctx.say(`failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
