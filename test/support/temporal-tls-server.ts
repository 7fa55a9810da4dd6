/**
 * The real Temporal server (`go.temporal.io/server`, built by deploy/tools/temporal-server-tools.ts) on the tests'
 * PostgreSQL, with its frontend behind TLS, mTLS, or TLS plus the JWT authorizer (API keys). Runs the frontend,
 * history and matching services only: the worker service (system workflows such as namespace deletion) is not
 * needed by these tests and would need its own client credentials. The schema is set up once with
 * temporal-sql-tool into template databases; every server gets fresh copies of them, so no server sees another's
 * namespaces or cluster membership.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { allocatePort } from '../../deploy/local/ports.ts';
import type { TemporalServerTools } from '../../deploy/tools/temporal-server-tools.ts';
import { quoteIdentifier, type PostgresServer } from './postgres.ts';
import type { TestPki } from './test-pki.ts';

const TEMPLATE_DB = 'temporal_template';
const TEMPLATE_VISIBILITY_DB = 'temporal_visibility_template';
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

/** How the frontend checks its clients. */
export type FrontendSecurity =
  | { kind: 'tls' }
  | { kind: 'mtls' }
  /** TLS plus Temporal's default JWT authorizer: API keys are JWTs checked against `jwksUrl`. */
  | { kind: 'api-key'; jwksUrl: string; adminApiKey: string };

export interface TemporalTlsServer {
  /** The frontend, `127.0.0.1:<port>`. */
  address: string;
  namespace: string;
  /** A client connection with full rights (for test setup such as search attributes). */
  admin: Connection;
  /** The server's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Runs temporal-sql-tool; the password goes by environment, never in arguments. */
async function sqlTool(
  tools: TemporalServerTools,
  pg: PostgresServer,
  password: string,
  database: string,
  args: string[],
): Promise<void> {
  const child = spawn(
    tools.sqlTool,
    [
      '--plugin',
      'postgres12',
      '--endpoint',
      pg.host,
      '--port',
      String(pg.port),
      '--user',
      pg.user,
      '--database',
      database,
      ...args,
    ],
    {
      env: { ...process.env, SQL_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0)
    throw new Error(
      `temporal-sql-tool ${args[0]} on ${database} failed (exit ${code}):\n${output.trim().split('\n').slice(-10).join('\n')}`,
    );
}

/** Creates the template databases with Temporal's schema (once per PostgreSQL server). */
export async function prepareTemporalSchema(
  tools: TemporalServerTools,
  pg: PostgresServer,
  password: string,
): Promise<void> {
  for (const [database, schema] of [
    [TEMPLATE_DB, 'temporal'],
    [TEMPLATE_VISIBILITY_DB, 'visibility'],
  ] as const) {
    await pg.query(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(pg.user)}`, 'postgres');
    await sqlTool(tools, pg, password, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(tools, pg, password, database, [
      'update-schema',
      '-d',
      join(tools.postgresSchemaDir, schema, 'versioned'),
    ]);
  }
}

/**
 * A free port below 32768: the server stores membership ports in a PostgreSQL smallint, so the kernel's
 * ephemeral ports (32768 and up) do not fit.
 */
async function allocateMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
  throw new Error("no free port between 20000 and 32000 for the Temporal server's membership");
}

let serverCount = 0;
const liveServers = new Set<ChildProcess>();
process.once('exit', () => liveServers.forEach((child) => signalGroup(child, 'SIGKILL')));

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a server with the given frontend security in `dir`, waits until it serves, and registers the `default`
 * namespace. Rejects after stopping it when it does not come up within two minutes.
 */
export async function startTemporalTlsServer(options: {
  tools: TemporalServerTools;
  pg: PostgresServer;
  password: string;
  pki: TestPki;
  security: FrontendSecurity;
  dir: string;
}): Promise<TemporalTlsServer> {
  const { tools, pg, password, pki, security, dir } = options;
  const id = `s${process.pid}_${++serverCount}`;
  for (const [copy, template] of [
    [`temporal_${id}`, TEMPLATE_DB],
    [`temporal_visibility_${id}`, TEMPLATE_VISIBILITY_DB],
  ] as const) {
    await pg.query(
      `CREATE DATABASE ${quoteIdentifier(copy)} TEMPLATE ${quoteIdentifier(template)} OWNER ${quoteIdentifier(pg.user)}`,
      'postgres',
    );
    // The schema tool recorded the version under the template's name; the server looks it up under its own.
    await pg.query(`UPDATE schema_version SET db_name = '${copy}'`, copy);
  }
  const port = () => allocatePort();
  const ring = () => allocateMembershipPort();
  const [frontend, frontendHttp, history, matching] = [await port(), await port(), await port(), await port()];
  const [frontendRing, historyRing, matchingRing] = [await ring(), await ring(), await ring()];
  const configDir = join(dir, `config-${id}`);
  await mkdir(configDir, { recursive: true });
  const datastore = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 1,
      datastores: { default: datastore(`temporal_${id}`, 4), visibility: datastore(`temporal_visibility_${id}`, 2) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        frontend: {
          server: {
            certFile: pki.serverCert,
            keyFile: pki.serverKey,
            requireClientAuth: security.kind === 'mtls',
            clientCaFiles: [pki.ca],
          },
        },
        // The frontend's own client (e.g. ListSearchAttributes asks the frontend for the namespace): with a
        // client certificate, so it gets through when the frontend requires one.
        systemWorker: {
          certFile: pki.clientCert,
          keyFile: pki.clientKey,
          client: { serverName: 'localhost', rootCaFiles: [pki.ca] },
        },
      },
      ...(security.kind === 'api-key'
        ? {
            authorization: {
              jwtKeyProvider: { keySourceURIs: [security.jwksUrl], refreshInterval: '1h' },
              permissionsClaimName: 'permissions',
              authorizer: 'default',
              claimMapper: 'default',
            },
          }
        : {}),
    },
    services: {
      frontend: rpc(frontend, frontendRing, { httpPort: frontendHttp }),
      history: rpc(history, historyRing),
      matching: rpc(matching, matchingRing),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(configDir, 'dynamic.yaml'), pollInterval: '10s' },
  };
  // JSON is YAML; the file holds the database password, so only we may read it.
  await writeFile(join(configDir, 'development.yaml'), JSON.stringify(config, null, 2), { mode: 0o600 });
  await writeFile(
    join(configDir, 'dynamic.yaml'),
    [
      // A namespace or search attribute registered by the test is usable at once, not after a cache refresh.
      'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true',
      'system.namespaceCacheRefreshInterval:\n  - value: 1s',
    ].join('\n') + '\n',
  );

  let log = '';
  const child = spawn(
    tools.server,
    [
      '--root',
      dir,
      '--config',
      `config-${id}`,
      '--env',
      'development',
      'start',
      '--service',
      'frontend',
      '--service',
      'history',
      '--service',
      'matching',
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  liveServers.add(child);
  const keep = (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  let admin: Connection | undefined;
  const stop = async () => {
    await admin?.close().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    liveServers.delete(child);
  };

  try {
    const address = `127.0.0.1:${frontend}`;
    admin = await waitUntilServing(address, pki, security, child, () => log);
    return { address, namespace: 'default', admin, log: () => log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Connects with full rights and registers `default`, retrying while the services join their ring. */
async function waitUntilServing(
  address: string,
  pki: TestPki,
  security: FrontendSecurity,
  child: ChildProcess,
  log: () => string,
): Promise<Connection> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const tls = {
    serverRootCACertificate: readFileSync(pki.ca),
    ...(security.kind === 'mtls'
      ? { clientCertPair: { crt: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } }
      : {}),
  };
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `the Temporal server exited (code ${child.exitCode}, signal ${child.signalCode}) before serving:\n${log().slice(-4000)}`,
      );
    let admin: Connection | undefined;
    try {
      admin = await Connection.connect({
        address,
        tls,
        apiKey: security.kind === 'api-key' ? security.adminApiKey : undefined,
        connectTimeout: 5_000,
      });
      try {
        await admin.workflowService.registerNamespace({
          namespace: 'default',
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        });
      } catch (error) {
        if ((error as { code?: number }).code !== 6) throw error; // ALREADY_EXISTS: an earlier attempt got through
      }
      await admin.workflowService.describeNamespace({ namespace: 'default' });
      return admin;
    } catch (error) {
      lastError = error;
      await admin?.close().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(
    `the Temporal server at ${address} did not serve within ${READY_TIMEOUT_MS / 1000} s (last error: ${(lastError as Error)?.message}):\n${log().slice(-4000)}`,
  );
}
