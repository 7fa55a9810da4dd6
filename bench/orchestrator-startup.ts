/**
 * `orchestrator-startup`: how fast a new orchestrator replica is useful — from spawning its watchdog to (a) the
 * first poll of its task queue (Temporal's DescribeTaskQueue lists it as a poller of a queue only it polls) and
 * (b) `/healthz` answering 200 through the watchdog — run from source as the local stack runs it (tsx, the
 * workflows bundled by webpack at start) and from its image tree built by `npm run build` (the bundle, a prebuilt
 * workflow bundle), side by side in interleaved rounds, medians reported. Needs only a Temporal dev server.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { buildFunctions } from '../deploy/images/build-functions.ts';
import { layOutFunctionImage, startFunctionImage } from '../deploy/images/function-image.ts';
import { ensureLocalSecrets } from '../deploy/local/local-secrets.ts';
import { allocatePort } from '../deploy/local/ports.ts';
import { replicaEnv } from '../deploy/local/replica-env.ts';
import { repoRoot } from '../deploy/local/stack-config.ts';
import { loadStackFiles } from '../deploy/local/stack-file.ts';
import { startTemporalServer } from '../deploy/local/temporal-server.ts';
import { resolveTemplate } from '../deploy/local/templates.ts';
import { ensureTools } from '../deploy/tools/tools.ts';
import { resultSkeleton, type BenchContext } from './support/bench-context.ts';
import { benchSignal, onStop } from './support/lifecycle.ts';
import type { BenchResult } from './support/results.ts';
import { median, round, summarize } from './support/stats.ts';

type Mode = 'source' | 'image';
interface Marks {
  firstPollMs: number;
  healthzMs: number;
}

/** A replica that takes longer than this is counted as failed. */
const ROUND_TIMEOUT_MS = 60_000;

export async function runOrchestratorStartup(ctx: BenchContext): Promise<BenchResult> {
  const startedAt = new Date();
  const rounds = ctx.options.quick ? 2 : 5;
  const tools = await ensureTools();
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-orchestrator-'));
  const removeData = onStop('orchestrator start-up data folder', () => rm(dataDir, { recursive: true, force: true }));
  try {
    await mkdir(join(dataDir, 'logs'));
    const temporal = await startTemporalServer({
      binary: tools.temporal,
      dataDir,
      port: await allocatePort(),
      uiPort: await allocatePort(),
    });
    const stopTemporal = onStop('Temporal dev server', () => temporal.process.stop());
    const secrets = await ensureLocalSecrets(dataDir);
    ctx.say('npm run build baton (into a temporary folder) and laying out its image…');
    const [built] = await buildFunctions({ repoRoot, buildDir: join(dataDir, 'build'), only: ['baton'] });
    const layout = await layOutFunctionImage({ context: built!.context, watchdogBinary: tools.watchdog });
    const spec = (await loadStackFiles([join(repoRoot, 'stack.yml')])).functions.find((fn) => fn.name === 'baton')!;
    const template = await resolveTemplate(spec, [join(repoRoot, 'template')]);
    const connection = await Connection.connect({ address: temporal.address });
    const closeConnection = onStop('Temporal connection', () => connection.close());

    /** Starts one replica in `mode` on a task queue of its own; resolves with its two marks, then stops it. */
    const measure = async (mode: Mode): Promise<Marks> => {
      const queue = `bench-startup-${randomUUID().slice(0, 8)}`;
      const overrides = {
        TEMPORAL_ADDRESS: temporal.address,
        BATON_GATEWAY_URL: 'http://127.0.0.1:9', // no step runs here
        BATON_TASK_QUEUE: queue,
        BATON_SYSTEM_TASK_QUEUE: `${queue}-system`,
        BATON_SCALER_ENABLED: 'false',
      };
      const started = performance.now();
      let url: string;
      let stop: () => Promise<void>;
      if (mode === 'image') {
        const image = await startFunctionImage({
          spec,
          context: built!.context,
          layout,
          watchdogBinary: tools.watchdog,
          secretsDir: secrets.dir,
          env: overrides,
        });
        url = image.url;
        stop = () => image.stop();
      } else {
        const [port, httpPort] = await Promise.all([allocatePort(), allocatePort()]);
        const child = spawn(tools.watchdog, [], {
          cwd: template.dir,
          env: replicaEnv({ spec, template, port, httpPort, secretsDir: secrets.dir, envOverrides: overrides }),
          detached: true,
          stdio: 'ignore',
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        url = `http://127.0.0.1:${port}`;
        stop = async () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // gone
          }
          await exited;
        };
      }
      const removeReplica = onStop(`orchestrator replica (${mode})`, stop);
      try {
        const [firstPollMs, healthzMs] = await Promise.all([
          until(
            async () => {
              const { pollers } = await connection.workflowService.describeTaskQueue({
                namespace: 'default',
                taskQueue: { name: queue },
                taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
              });
              return (pollers ?? []).length > 0;
            },
            started,
            `${mode}: first poll of ${queue}`,
          ),
          until(
            async () =>
              (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
                async (res) => (await res.body?.cancel(), res.status),
                () => 0,
              )) === 200,
            started,
            `${mode}: /healthz`,
          ),
        ]);
        return { firstPollMs, healthzMs };
      } finally {
        await stop();
        removeReplica();
      }
    };

    const samples: Record<Mode, Marks[]> = { source: [], image: [] };
    await measure('image'); // warm the page cache for both, unmeasured
    await measure('source');
    for (let i = 0; i < rounds; i++) {
      benchSignal.throwIfAborted();
      for (const mode of (i % 2 === 0 ? ['source', 'image'] : ['image', 'source']) as Mode[]) {
        const marks = await measure(mode);
        samples[mode].push(marks);
        ctx.say(
          `round ${i + 1}/${rounds} ${mode}: first poll ${marks.firstPollMs.toFixed(0)} ms, /healthz ${marks.healthzMs.toFixed(0)} ms`,
        );
      }
    }
    closeConnection();
    await connection.close();
    stopTemporal();
    await temporal.process.stop();

    const m = (mode: Mode, mark: keyof Marks) => round(median(samples[mode].map((s) => s[mark])), 0);
    return {
      ...resultSkeleton(
        ctx,
        'orchestrator-startup',
        'orchestrator replica start-up: from source vs from its image',
        startedAt,
      ),
      config: { rounds, order: 'interleaved, alternating which goes first', warmup: 'one unmeasured start of each' },
      metrics: {
        imageFirstPollMs: m('image', 'firstPollMs'),
        imageHealthzMs: m('image', 'healthzMs'),
        sourceFirstPollMs: m('source', 'firstPollMs'),
        sourceHealthzMs: m('source', 'healthzMs'),
        ratioSourceToImageFirstPoll: round(m('source', 'firstPollMs') / m('image', 'firstPollMs'), 2),
      },
      targets: [
        { metric: 'imageFirstPollMs', op: '<=', value: 1500 },
        { metric: 'imageHealthzMs', op: '<=', value: 1500 },
      ],
      samples: Object.fromEntries(
        (['source', 'image'] as Mode[]).flatMap((mode) =>
          (['firstPollMs', 'healthzMs'] as const).map((mark) => [
            `${mode}${mark[0]!.toUpperCase()}${mark.slice(1)}`,
            summarize(samples[mode].map((s) => s[mark])),
          ]),
        ),
      ),
      details: { imageBundleBytes: built!.bundle?.bytes, imageLayers: layout.layers.length },
      notes: [
        "From spawning the watchdog (the stand-in) to the first poll of the replica's own task queue (DescribeTaskQueue lists a poller; only this replica polls that queue) and to GET /healthz answering 200 through the watchdog; both polled every 25 ms.",
        '"source": as the local stack runs the orchestrator (fprocess `node --import tsx index.ts`, the workflows bundled by webpack in Worker.create). "image": the tree `npm run build` + the Dockerfile give (fprocess `node index.mjs`, BATON_WORKFLOW_BUNDLE_DIR with the prebuilt bundles), started in its private mount namespace (deploy/images/image-run.ts).',
        'Scaler off (BATON_SCALER_ENABLED=false): the system worker still starts, as in every replica. The Temporal dev server runs on the same 2 cores.',
      ],
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    removeData();
  }
}

/** Milliseconds since `started` when `check` first holds; polled every 25 ms. */
async function until(check: () => Promise<boolean>, started: number, what: string): Promise<number> {
  while (performance.now() - started < ROUND_TIMEOUT_MS) {
    if (await check().catch(() => false)) return performance.now() - started;
    await sleep(25);
  }
  throw new Error(`${what} did not happen within ${ROUND_TIMEOUT_MS / 1000} s`);
}
