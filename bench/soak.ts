/**
 * `soak`: runs keep flowing for `--minutes` (default 30) through the trigger API — the fault matrix's stream of demo
 * and resumable runs — while one process of the stack is SIGKILLed every minute (kinds in shuffled rounds, seeded:
 * BATON_FAULT_SEED replays it). Reports runs/s and p99 run latency per window, every long-lived process's RSS at
 * the start and the end (with its age: a process killed meanwhile is younger than the soak), and the matrix's
 * exactly-once checks. Starts its own stack in a child process (its supervisor is among the kills).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFiles } from '../deploy/local/pid-files.ts';
import { Bucket } from '../test/faults/bucket.ts';
import { checkInvariants, violationCount } from '../test/faults/invariants.ts';
import { killOrder } from '../test/faults/kill.ts';
import { runKillSchedule } from '../test/faults/kill-schedule.ts';
import { processesOf } from '../test/faults/leftovers.ts';
import { LoadGenerator } from '../test/faults/load.ts';
import { faultSeed, prng } from '../test/faults/prng.ts';
import { prebuiltWorkflowEnv } from '../test/faults/prebuilt-workflows.ts';
import { fixedPorts, StackChild } from '../test/faults/stack-child.ts';
import { killsPerKind, summaryLines } from '../test/faults/summary.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { benchSignal, onStop } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { soakWindows } from './support/soak-windows.ts';
import { LifetimeSampler, stackRss } from './support/stack-rss.ts';
import { round, summarize } from './support/stats.ts';

/** Runs in flight: enough to keep the 2-core machine busy (about 1,000 runs in 30 minutes). */
const DEMO_SLOTS = 6;
const RESUMABLE_SLOTS = 2;
const KILL_EVERY_MS = 60_000;
const DRAIN_MS = 300_000;

export async function runSoak(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const minutes = ctx.options.soakMinutes;
  const windowMin = minutes >= 10 ? 5 : 1;
  const seed = faultSeed();
  ctx.say(`seed ${seed} (replay: BATON_FAULT_SEED=${seed}); ${minutes} min, a kill every minute`);
  const random = prng(seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-soak-'));
  const stack = await StackChild.start(
    dataDir,
    await fixedPorts(),
    ctx.say,
    await prebuiltWorkflowEnv(join(dataDir, 'bundles')),
  ).catch(async (error: unknown) => {
    // A stack that did not come up: stop what it started, and leave no data folder behind.
    await new PidFiles(join(dataDir, 'run'), { stackMarker: `BATON_STACK=${dataDir}` }).stopLeftovers();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const unregister = onStop('soak stack', async () => {
    await stack.stop();
    await new PidFiles(join(dataDir, 'run'), { stackMarker: `BATON_STACK=${dataDir}` }).stopLeftovers();
    if (!ctx.options.keepData) await rm(dataDir, { recursive: true, force: true });
  });
  try {
    const rssStart = await stackRss(stack);
    const lifetimes = new LifetimeSampler(stack);
    lifetimes.start();
    const load = new LoadGenerator({
      api: stack.api,
      prefix: `soak${seed.toString(36)}`,
      demoSlots: DEMO_SLOTS,
      resumableSlots: RESUMABLE_SLOTS,
    });
    const loadStart = Date.now();
    load.start();
    const end = new AbortController();
    const timer = setTimeout(() => end.abort(), minutes * 60_000);
    benchSignal.addEventListener('abort', () => end.abort(), { once: true });
    const progress = setInterval(() => {
      const closed = load.runs.filter((run) => run.status).length;
      ctx.say(`${((Date.now() - loadStart) / 60_000).toFixed(1)} min: ${load.runs.length} accepted, ${closed} closed`);
    }, 60_000);
    const kills = await runKillSchedule(stack, killOrder(Math.ceil(minutes / 12) + 1, random), {
      gapMs: [KILL_EVERY_MS, KILL_EVERY_MS],
      random,
      log: ctx.say,
      signal: end.signal,
    });
    await new Promise<void>((resolve) =>
      end.signal.aborted ? resolve() : end.signal.addEventListener('abort', () => resolve()),
    );
    clearTimeout(timer);
    clearInterval(progress);
    const loadEnd = Date.now();
    const rssEnd = await stackRss(stack);
    const longest = await lifetimes.stop();
    ctx.say(`stopping the stream after ${minutes} min; draining the runs in flight`);
    const stuck = await load.drain(DRAIN_MS);
    const report = await checkInvariants(load.runs, new Bucket(stack.minioUrl, stack.secrets));
    for (const line of summaryLines(kills, load.runs, report)) ctx.say(line);
    await stack.stop();
    const left = await processesOf(dataDir);
    unregister();
    await new PidFiles(join(dataDir, 'run'), { stackMarker: `BATON_STACK=${dataDir}` }).stopLeftovers();
    if (!ctx.options.keepData) await rm(dataDir, { recursive: true, force: true });

    const closedInTime = load.runs.filter((run) => run.closedAt !== undefined && run.closedAt <= loadEnd);
    const completed = load.runs.filter((run) => run.status === 'completed');
    const latencies = load.runs.filter((run) => run.closedAt).map((run) => (run.closedAt! - run.acceptedAt) / 1000);
    const windows = soakWindows(load.runs, loadStart, loadEnd, windowMin);
    const duplicates = report.duplicateVersions.length + report.duplicateArtifacts.length;
    const failures = load.runs.filter((run) => run.status && run.status !== 'completed');
    return {
      ...resultSkeleton(ctx, 'soak', `Soak: ${minutes} min of runs with a SIGKILL every minute`, startedAt),
      config: {
        minutes,
        seed,
        demoSlots: DEMO_SLOTS,
        resumableSlots: RESUMABLE_SLOTS,
        killEverySeconds: 60,
        windowMin,
      },
      metrics: {
        minutes,
        runsAccepted: load.runs.length,
        runsCompleted: completed.length,
        runsFailed: failures.length,
        runsStuck: stuck.length,
        runsPerSecond: round(closedInTime.length / ((loadEnd - loadStart) / 1000), 3),
        latencyP50S: summarize(latencies).p50,
        latencyP99S: summarize(latencies).p99,
        worstWindowP99S: Math.max(...windows.map((w) => w.latencyP99S).filter((v) => !Number.isNaN(v))),
        kills: kills.filter((kill) => kill.pid).length,
        duplicatesFound: duplicates,
        invariantViolations: violationCount(report),
        processesLeft: left.length,
      },
      targets: [
        { metric: 'duplicatesFound', op: '<=', value: 0 },
        { metric: 'invariantViolations', op: '<=', value: 0 },
        { metric: 'processesLeft', op: '<=', value: 0 },
      ],
      samples: { runLatencyS: summarize(latencies) },
      details: {
        windows,
        killsPerKind: killsPerKind(kills),
        kills,
        rss: Object.fromEntries(
          Object.keys({ ...rssStart, ...rssEnd }).map((kind) => [kind, { start: rssStart[kind], end: rssEnd[kind] }]),
        ),
        longestLivedRss: longest,
        failures: failures.map((run) => ({ runId: run.runId, status: run.status, error: run.error })),
        violations: report,
        processesLeft: left,
      },
      notes: [
        `Per ${windowMin}-min window (closed runs, runs/s, latency p50/p99 s): ${windows.map((w) => `${w.fromMin}–${w.toMin} min: ${w.closed}, ${w.runsPerSecond}/s, ${w.latencyP50S}/${w.latencyP99S}`).join('; ')}.`,
        `RSS MiB start → end (age of the end process, s): ${Object.keys(rssEnd)
          .map(
            (kind) =>
              `${kind} ${rssStart[kind]?.rssMiB ?? '-'} → ${rssEnd[kind]!.rssMiB} (${rssEnd[kind]!.ageSeconds})`,
          )
          .join(', ')}. A process killed during the soak is younger than it: compare only old ones for leaks.`,
        `Longest-lived process of each kind (sampled every minute), RSS MiB first → last seen (over s): ${Object.entries(
          longest,
        )
          .map(([kind, life]) => `${kind} ${life.firstMiB} → ${life.lastMiB} (${life.seenSeconds})`)
          .join(', ')}.`,
        `Kills per kind: ${Object.entries(killsPerKind(kills))
          .map(([kind, n]) => `${kind} ${n}`)
          .join(
            ', ',
          )}. Runs failed: ${failures.length}${failures.length ? ` (${[...new Set(failures.map((run) => run.error?.slice(0, 120)))].join(' | ')})` : ''}.`,
        'Latency: the trigger API accepted the run → the stream saw it closed (polled every second). Each run: iris, train-classifier (7 steps) or train-classifier-resumable (4 epochs of 0.5 s); a kill every minute costs the runs in flight a retry or a resume.',
      ],
    };
  } finally {
    unregister();
    await stack.stop();
  }
}
