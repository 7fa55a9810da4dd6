/**
 * The whole one-machine stack: Temporal dev server, MinIO, the local gateway and every function of
 * stack.yml as real watchdog replicas. `npm start` and the integration tests both start it through here.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ToolPaths } from '../tools/tools.ts';
import { startLocalGateway } from './local-gateway.ts';
import { ensureLocalSecrets, writeStorageCredentials, type LocalSecrets } from './local-secrets.ts';
import { KeptServer, type StartedServer } from './kept-server.ts';
import { openLogFile } from './log-file.ts';
import { startMinioServer, type MinioServer } from './minio-server.ts';
import { PidFiles } from './pid-files.ts';
import { allocatePort, type PortReservation, reservePort } from './ports.ts';
import { assertPortsFree, type StackPorts } from './stack-config.ts';
import { createStorageUsers, storageUsers } from './storage-users.ts';
import { startTemporalServer, type TemporalServer } from './temporal-server.ts';

/** How to start a local stack. Ports set to 0 are chosen free. */
export interface LocalStackOptions {
  repoRoot: string;
  dataDir: string;
  ports: StackPorts;
  tools: ToolPaths;
  /** Defaults to the repository's stack.yml; tests add fixture stack files. */
  stackFiles?: string[];
  /** The functions to start (default: every function of the stack files); fault tests leave out what they do not call. */
  functions?: string[];
  templateDirs?: string[];
  /** Folder of the workflow bundle and pipeline catalog the orchestrator loads (tests add fixture pipelines). */
  workflowsDir?: string;
  gatewayAuth: boolean;
  /** More environment for every function (after the stack's own overrides), e.g. BATON_PUBLIC_URL. */
  functionEnv?: Record<string, string>;
  /** Progress lines of the stack itself. */
  log?: (line: string) => void;
  /** Every output line of every function replica. */
  onFunctionLog?: (fn: string, instance: string, line: string) => void;
  /**
   * A file to append every function replica's lines to (`npm start`: `<data>/logs/functions.log`). A full disk drops
   * lines (one note in `log` says so), never the stack.
   */
  functionsLog?: string;
}

/** A running local stack. */
export interface LocalStack {
  gatewayUrl: string;
  /** The bootstrap admin key (secret `baton-admin-key`): with `gatewayUrl`, a stack is a `BatonApi` to call. */
  token: string;
  temporalAddress: string;
  temporalUiUrl: string;
  minioUrl: string;
  secrets: LocalSecrets;
  gateway: Awaited<ReturnType<typeof startLocalGateway>>;
  /** The running Temporal server: restarted (same port and SQLite file) when it dies, so this may change. */
  readonly temporal: TemporalServer;
  /** The running MinIO server: restarted (same port and data) when it dies, so this may change. */
  readonly minio: MinioServer;
  /** Stops the Temporal server and starts it again on the same port and SQLite file (fault tests). */
  restartTemporal(): Promise<void>;
  /** Stops the functions, then the servers; no process of the stack survives it. */
  stop(): Promise<void>;
}

/** Starts everything and waits until every function has its minimum replicas ready. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  // A stack on this data folder that died without stopping (SIGKILL) left its servers and replicas running.
  const pids = new PidFiles(join(options.dataDir, 'run'), { note: log, stackMarker: `BATON_STACK=${options.dataDir}` });
  const leftovers = await pids.stopLeftovers();
  if (leftovers.length)
    log(
      `stopped ${leftovers.length} processes a previous stack on ${options.dataDir} left running: ${leftovers.join(', ')}`,
    );
  await assertPortsFree(options.ports);
  const { ports, reserved } = await resolvePorts(options.ports);
  await mkdir(join(options.dataDir, 'logs'), { recursive: true });
  const secrets = await ensureLocalSecrets(options.dataDir);
  // Released as the gateway binds them, or here when the stack stops (a start that failed before).
  const stoppers: (() => Promise<void>)[] = [
    async () => void (await Promise.all(Object.values(reserved).map((reservation) => reservation.release()))),
  ];
  const functionsLog = options.functionsLog ? openLogFile(options.functionsLog, log) : undefined;
  if (functionsLog) stoppers.push(() => functionsLog.end());
  const onFunctionLog =
    functionsLog || options.onFunctionLog
      ? (fn: string, instance: string, line: string) => {
          functionsLog?.write(`${new Date().toISOString()} ${fn}/${instance} ${line}\n`);
          options.onFunctionLog?.(fn, instance, line);
        }
      : undefined;
  const stop = async () => {
    for (const stopOne of stoppers.reverse())
      await stopOne().catch((error: unknown) => log(`stop failed: ${(error as Error).message}`));
    stoppers.length = 0;
  };

  try {
    log('starting Temporal and MinIO…');
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    // The UI decodes the encrypted payloads in the browser through the orchestrator's codec server.
    const codecEndpoint = `${gatewayUrl}/function/baton/codec`;
    const temporalOptions = {
      binary: options.tools.temporal,
      dataDir: options.dataDir,
      port: ports.temporal,
      uiPort: ports.temporalUi,
      codecEndpoint,
      pids,
      note: log,
    };
    const minioOptions = {
      binary: options.tools.minio,
      dataDir: options.dataDir,
      port: ports.minio,
      consolePort: ports.minioConsole,
      rootUser: secrets.s3AccessKey,
      rootPassword: secrets.s3SecretKey,
      pids,
      note: log,
    };
    // Both are kept running: a server that dies is started again, as a cluster restarts a pod.
    const keep = <S extends StartedServer>(name: string, start: () => Promise<S>) =>
      KeptServer.start({ name, start, log }).then((kept) => (stoppers.push(() => kept.stop()), kept));
    // Both settle before a failure is thrown, so the one that did start is among the stoppers.
    const [temporalStart, minioStart] = await Promise.allSettled([
      keep('temporal', () => startTemporalServer(temporalOptions)),
      keep('minio', () => startMinioServer(minioOptions)),
    ]);
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (minioStart.status === 'rejected') throw minioStart.reason;
    const [temporalKept, minioKept] = [temporalStart.value, minioStart.value];
    const temporal = temporalKept.server;
    const minio = minioKept.server;
    log(`Temporal on ${temporal.address} (UI ${temporal.uiUrl}), MinIO on ${minio.url}`);

    const envOverrides = {
      // Marks every replica process with the stack it belongs to: several stacks may share a machine.
      BATON_STACK: options.dataDir,
      S3_ENDPOINT: minio.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      // The UI's origin, as typed: 127.0.0.1 (its URL) or localhost.
      BATON_CODEC_CORS_ORIGINS: [temporal.uiUrl, temporal.uiUrl.replace('127.0.0.1', 'localhost')].join(','),
      BATON_GATEWAY_URL: gatewayUrl,
      // The dev server's UI has no sign-in to pass a token with: its codec calls come without one (loopback only).
      BATON_CODEC_PUBLIC: 'true',
      // Recorded in every registered model's lineage.
      BATON_CODE_VERSION: await codeVersionOf(options.repoRoot),
      ...(options.workflowsDir ? { BATON_WORKFLOWS_DIR: options.workflowsDir } : {}),
      ...options.functionEnv,
    };
    const gateway = await startLocalGateway({
      stackFiles: options.stackFiles ?? [join(options.repoRoot, 'stack.yml')],
      functions: options.functions,
      templateDirs: options.templateDirs,
      port: reserved.gateway ?? ports.gateway,
      metricsPort: reserved.gatewayMetrics ?? ports.gatewayMetrics,
      dataDir: options.dataDir,
      watchdogBinary: options.tools.watchdog,
      venvBin: options.tools.venvBin,
      secretsDir: secrets.dir,
      envOverrides,
      // Each function gets its own S3 user, limited to its declared prefixes; the root credentials stay here.
      prepare: async (functions) => {
        const users = storageUsers(functions, await writeStorageCredentials(secrets.dir, functions), envOverrides);
        const { removed } = await createStorageUsers(
          options.tools.python,
          { url: minio.url, rootUser: secrets.s3AccessKey, rootPassword: secrets.s3SecretKey },
          users,
        );
        log(
          `storage: ${users.length} function users in MinIO${removed.length ? `; removed ${removed.join(', ')} (no longer in the stack)` : ''}`,
        );
      },
      basicAuth: options.gatewayAuth ? { user: secrets.gatewayUser, password: secrets.gatewayPassword } : undefined,
      onLog: onFunctionLog,
    });
    stoppers.push(() => gateway.stop());
    log(
      `gateway on ${gatewayUrl} (Prometheus metrics on ${gateway.metricsUrl}/metrics); waiting for function replicas…`,
    );
    await gateway.waitUntilReady(180_000);
    return {
      gatewayUrl,
      token: secrets.adminKey,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      minioUrl: minio.url,
      secrets,
      gateway,
      stop,
      get temporal() {
        return temporalKept.server;
      },
      get minio() {
        return minioKept.server;
      },
      restartTemporal: () => temporalKept.restart(),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The ports this process's own servers bind (the gateway's): held from now until they bind, see reservePort. */
const IN_PROCESS: readonly (keyof StackPorts)[] = ['gateway', 'gatewayMetrics'];

/** Free ports for those given as 0; those of in-process servers reserved, by name. */
async function resolvePorts(
  ports: StackPorts,
): Promise<{ ports: StackPorts; reserved: Partial<Record<keyof StackPorts, PortReservation>> }> {
  const resolved = { ...ports };
  const reserved: Partial<Record<keyof StackPorts, PortReservation>> = {};
  for (const key of Object.keys(resolved) as (keyof StackPorts)[]) {
    if (resolved[key] !== 0) continue;
    if (IN_PROCESS.includes(key)) {
      reserved[key] = await reservePort();
      resolved[key] = reserved[key].port;
    } else {
      resolved[key] = await allocatePort();
    }
  }
  return { ports: resolved, reserved };
}

/** The checkout's commit for model lineage: short sha, "-dirty" when the tree has changes; "unknown" outside git. */
export async function codeVersionOf(repoRoot: string): Promise<string> {
  const git = (...args: string[]) =>
    promisify(execFile)('git', args, { cwd: repoRoot, timeout: 10_000 }).then(({ stdout }) => stdout.trim());
  try {
    const [sha, changes] = await Promise.all([git('rev-parse', '--short', 'HEAD'), git('status', '--porcelain')]);
    return changes ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}
