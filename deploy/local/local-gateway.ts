import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { Agent } from 'undici';
import { createGatewayApp } from './gateway/app.ts';
import { AsyncQueue, type AsyncQueueSettings, type QueueStats } from './gateway/async-queue.ts';
import type { BasicAuthCredentials } from './gateway/auth.ts';
import { GatewayMetrics, metricsApp } from './gateway/metrics.ts';
import { listen } from './gateway/server.ts';
import type { RestartBackoff } from './replica.ts';
import { loadStackFiles, type FunctionSpec } from './stack-file.ts';
import { writeStepKeys } from './local-secrets.ts';
import type { PortReservation } from './ports.ts';
import { Supervisor, type SupervisedFunction } from './supervisor.ts';
import { resolveTemplate } from './templates.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** How to start the local gateway and the function replicas behind it. */
export interface LocalGatewayOptions {
  /** e.g. `[<repo>/stack.yml]` (+ test fixture stack files); later files override earlier ones' functions. */
  stackFiles: string[];
  /** Default `[<repo>/template]`. */
  templateDirs?: string[];
  /** The subset of functions to start; default all. */
  functions?: string[];
  /** 0 = a free port; a reservation is released as the gateway binds it. */
  port: number | PortReservation;
  /**
   * Port of the Prometheus `/metrics` listener, as the OpenFaaS gateway's own on 8082 (no credentials, 127.0.0.1
   * only); 0 = a free port; absent = none.
   */
  metricsPort?: number | PortReservation;
  /** Per-function secrets copies go under `<dataDir>/run/`. */
  dataDir: string;
  watchdogBinary: string;
  /** The Python virtualenv's bin/, put first on the replicas' PATH. */
  venvBin?: string;
  /** One file per secret. */
  secretsDir: string;
  /**
   * Runs once the stack files are read, before any replica starts, with the functions to start: where the local
   * stack writes each function's S3 credentials and creates its MinIO user.
   */
  prepare?: (functions: FunctionSpec[]) => Promise<void>;
  /** Stack-wide local overrides of the functions' environment (S3_ENDPOINT, TEMPORAL_ADDRESS, ...). */
  envOverrides?: Record<string, string>;
  /** When set, `/system/*` requires these credentials. */
  basicAuth?: BasicAuthCredentials;
  /** Every line a replica writes, and the supervisor's notes (instance `gateway` for stack-level ones). */
  onLog?: (fn: string, instance: string, line: string) => void;
  /** How long a call waits for a starting replica before 503 (default 5000). */
  replicaWaitMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping a replica (default 5000). */
  stopGraceMs?: number;
  restartBackoff?: Partial<RestartBackoff>;
  /** Size and concurrency of the `/async-function/*` queue (defaults in DEFAULT_ASYNC_QUEUE_SETTINGS). */
  asyncQueue?: AsyncQueueSettings;
}

/** A running local gateway. */
export interface LocalGateway {
  url: string;
  port: number;
  /** The metrics listener's base URL (`<metricsUrl>/metrics`), when one was asked for. */
  metricsUrl: string | undefined;
  supervisor: Supervisor;
  /** The async queue's numbers now (the same as `GET /system/queue`). */
  queueStats(): QueueStats;
  /** Resolves when every function has its min replicas ready; rejects naming those that are not (default 120 s). */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Drops queued async calls, closes the gateway, then stops every replica; no process it started survives. */
  stop(): Promise<void>;
}

/** Loads the stack files, starts the min replicas of each function and serves the gateway on 127.0.0.1. */
/**
 * Where async results may go besides the gateway itself: the orchestrator's public URL (`BATON_PUBLIC_URL` of the
 * stack's overrides or of a function's environment), unless the options name the origins.
 */
function callbackOrigins(o: LocalGatewayOptions, specs: readonly FunctionSpec[]): string[] {
  const urls = [o.envOverrides?.BATON_PUBLIC_URL, ...specs.map((spec) => spec.environment.BATON_PUBLIC_URL)];
  return [
    ...new Set(urls.filter((url): url is string => !!url && URL.canParse(url)).map((url) => new URL(url).origin)),
  ];
}

export async function startLocalGateway(o: LocalGatewayOptions): Promise<LocalGateway> {
  const stack = await loadStackFiles(o.stackFiles);
  for (const { name, note } of stack.overridden) o.onLog?.(name, 'gateway', note);
  const specs = selectFunctions(stack.functions, o.functions);
  await assertExecutable(o.watchdogBinary);
  await writeStepKeys(o.secretsDir, specs);
  await o.prepare?.(specs);
  const functions: SupervisedFunction[] = [];
  for (const spec of specs) {
    await assertHandlerDir(spec);
    functions.push({
      spec,
      template: await resolveTemplate(spec, o.templateDirs ?? [path.join(repoRoot, 'template')]),
    });
  }

  const supervisor = new Supervisor({
    functions,
    watchdogBinary: o.watchdogBinary,
    runDir: path.join(o.dataDir, 'run'),
    secretsDir: o.secretsDir,
    venvBin: o.venvBin,
    envOverrides: o.envOverrides,
    onLog: o.onLog,
    restartBackoff: o.restartBackoff,
    stopGraceMs: o.stopGraceMs,
  });
  const dispatcher = new Agent({ keepAliveTimeout: 5_000 });
  const asyncQueue = new AsyncQueue({
    callbackOrigins: callbackOrigins(o, specs),
    ...o.asyncQueue,
    backend: supervisor,
    dispatcher,
    onLog: o.onLog,
  });
  const stopAll = async () => {
    await asyncQueue.stop();
    await supervisor.stop();
    await dispatcher.close();
  };
  try {
    await supervisor.start();
    const metrics = new GatewayMetrics(supervisor);
    const app = createGatewayApp({
      metrics,
      backend: supervisor,
      basicAuth: o.basicAuth,
      replicaWaitMs: o.replicaWaitMs,
      dispatcher,
      asyncQueue,
    });
    const server = await listen(app, o.port);
    const metricsServer =
      o.metricsPort === undefined ? undefined : await listen(metricsApp(metrics), o.metricsPort).catch(closing(server));
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      metricsUrl: metricsServer?.url,
      supervisor,
      queueStats: () => asyncQueue.stats(),
      waitUntilReady: (timeoutMs) => supervisor.waitUntilReady(timeoutMs),
      stop: () =>
        (stopped ??= asyncQueue
          .stop()
          .then(() => Promise.all([server.close(), metricsServer?.close()]))
          .then(stopAll)),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Closes `server` when the next listener could not start, and passes the error on. */
function closing(server: { close(): Promise<void> }) {
  return async (error: unknown): Promise<never> => {
    await server.close();
    throw error;
  };
}

function selectFunctions(all: FunctionSpec[], wanted: string[] | undefined): FunctionSpec[] {
  if (!wanted) return all;
  const unknown = wanted.filter((name) => !all.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `functions: ${unknown.join(', ')} not in the stack files; available: ${all.map((s) => s.name).join(', ')}`,
    );
  }
  return all.filter((spec) => wanted.includes(spec.name));
}

async function assertExecutable(file: string): Promise<void> {
  await access(file, constants.X_OK).catch(() => {
    throw new Error(`watchdogBinary: ${file} is not an executable file (run npm run setup)`);
  });
}

async function assertHandlerDir(spec: FunctionSpec): Promise<void> {
  const isDir = await stat(spec.handler).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new Error(`${spec.stackFile}: functions.${spec.name}.handler: ${spec.handler} is not a folder`);
}
