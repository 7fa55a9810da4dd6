/**
 * The orchestrator's Temporal connection against the real Temporal server (go.temporal.io/server, built into the
 * tools cache on first use) on a real PostgreSQL, configured as production configures it: the standard TEMPORAL_*
 * variables and OpenFaaS secrets. Three servers, one after another on one PostgreSQL: TLS (the client trusts the
 * server's CA), mTLS (client certificates required), and TLS with Temporal's JWT authorizer (API keys).
 * - TLS: the orchestrator's `start()` runs a pipeline to completion (trigger API client, pipeline worker and
 *   system worker all over TLS, the CA from a secret); a wrong CA, no CA, plain text and a wrong namespace each
 *   stop start-up with an error naming the setting.
 * - mTLS: the client certificate gets in; none, or one from another CA, stops start-up naming the certificate.
 * - API key: the right key gets in; a forged key stops start-up naming the key's secret, and the key appears in
 *   no error and no log line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { allocatePort } from '../../deploy/local/ports.ts';
import { ensureTemporalServerTools, type TemporalServerTools } from '../../deploy/tools/temporal-server-tools.ts';
import { start } from '../../functions/baton/handler.ts';
import { checkTemporal, connectClientConnection } from '../../functions/baton/temporal/connect.ts';
import { loadTemporalConnectSettings } from '../../functions/baton/temporal/connect-settings.ts';
import { checkSearchAttributes, registerSearchAttributes } from '../../functions/baton/temporal/search-attributes.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import {
  prepareTemporalSchema,
  startTemporalTlsServer,
  type FrontendSecurity,
  type TemporalTlsServer,
} from '../support/temporal-tls-server.ts';
import { makeTestPki, startJwtIssuer, type JwtIssuer, type TestPki } from '../support/test-pki.ts';

const workflowsDir = fileURLToPath(new URL('../fixtures/workflows', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The start-up check is bounded: well under this, never retried in silence. */
const STARTUP_FAILS_WITHIN_MS = 30_000;

let tools: TemporalServerTools;
let dir: string;
let pki: TestPki;
let jwt: JwtIssuer;
let pg: PostgresServer;
const pgPassword = randomBytes(12).toString('hex');

before(async () => {
  tools = await ensureTemporalServerTools({ progress: (line) => console.log(line) });
  dir = mkdtempSync(join(tmpdir(), 'baton-temporal-tls-'));
  pki = await makeTestPki(dir);
  jwt = await startJwtIssuer();
  pg = await startPostgres({ password: pgPassword, maxConnections: 40 });
  await prepareTemporalSchema(tools, pg, pgPassword);
});

after(async () => {
  await jwt?.close();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startServer(security: FrontendSecurity): Promise<TemporalTlsServer> {
  return startTemporalTlsServer({ tools, pg, password: pgPassword, pki, security, dir });
}

const ADMIN_KEY = randomBytes(32).toString('hex');

/** A fresh OpenFaaS secrets folder holding the orchestrator's own secrets and `files` (name → content). */
function secrets(files: Record<string, string> = {}): string {
  const folder = mkdtempSync(join(dir, 'secrets-'));
  const own = {
    'baton-callback-key': randomBytes(32).toString('hex'),
    'baton-signing-key': randomBytes(32).toString('hex'),
    'baton-admin-key': ADMIN_KEY,
    'baton-codec-keys': `tls-test:${randomBytes(32).toString('base64')}\n`,
  };
  for (const [name, content] of Object.entries({ ...own, ...files })) writeFileSync(join(folder, name), content);
  return folder;
}

function copyTo(folder: string, name: string, from: string): void {
  copyFileSync(from, join(folder, name));
}

/** The start-up check with these settings must fail fast with a message matching `expected`; returns the message. */
async function startupFails(env: NodeJS.ProcessEnv, expected: RegExp): Promise<string> {
  const began = Date.now();
  const error = await checkTemporal(loadTemporalConnectSettings(env)).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  assert.ok(error, 'start-up should have failed');
  console.log(`start-up error: ${error.message}`); // what an operator sees (docs quote these)
  assert.match(error.message, expected);
  assert.ok(
    Date.now() - began < STARTUP_FAILS_WITHIN_MS,
    `failed after ${Date.now() - began} ms: bounded, not retried forever`,
  );
  return error.message;
}

/** The start-up check passes with these settings, and a client connected with them starts (and ends) a workflow. */
async function getsIn(env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const settings = loadTemporalConnectSettings(env);
  await checkTemporal(settings);
  const connection = await connectClientConnection(settings);
  try {
    const id = `${name}-${process.pid}`;
    const handle = await new Client({ connection, namespace: settings.namespace }).workflow.start(
      'noSuchWorkflowType',
      { taskQueue: id, workflowId: id },
    );
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await handle.terminate();
  } finally {
    await connection.close();
  }
}

/** Runs `fn` with `vars` added to process.env (start() reads its configuration from there), then restores it. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Everything written to the console while `fn` runs, and its outcome. */
async function captureConsole<T>(fn: () => Promise<T>): Promise<{ output: string; result?: T; error?: Error }> {
  const lines: string[] = [];
  const originals = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  for (const method of Object.keys(originals) as (keyof typeof originals)[])
    console[method] = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  try {
    const result = await fn();
    return { output: lines.join('\n'), result };
  } catch (error) {
    return { output: lines.join('\n'), error: error as Error };
  } finally {
    Object.assign(console, originals);
  }
}

/** Runs a program from the repository root to completion. */
function runProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** A stand-in for the OpenFaaS gateway that answers every step call with `output`, and counts the calls. */
async function startStepGateway(output: unknown): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    request.resume().on('end', () => {
      calls.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('server TLS, the client trusting its CA', () => {
  let server: TemporalTlsServer;
  before(async () => {
    server = await startServer({ kind: 'tls' });
  });
  after(async () => {
    await server?.stop();
  });

  test('the orchestrator runs a pipeline over TLS: trigger API client, pipeline worker and system worker, CA from a secret', async () => {
    // The pipeline upserts Baton's search attributes: a real server needs them registered first.
    const registered = await registerSearchAttributes(server.admin, server.namespace);
    assert.ok(
      registered.added.includes('BatonPipeline') && registered.added.includes('BatonStep'),
      JSON.stringify(registered),
    );
    assert.deepEqual((await registerSearchAttributes(server.admin, server.namespace)).added, [], 'idempotent');

    const gateway = await startStepGateway({ calls: 1 });
    const secretsDir = secrets();
    copyTo(secretsDir, 'temporal-tls-server-ca-cert', pki.ca);
    const port = await allocatePort();
    const {
      output,
      result: service,
      error,
    } = await captureConsole(() =>
      withEnv(
        {
          TEMPORAL_ADDRESS: server.address,
          BATON_SECRETS_DIR: secretsDir,
          BATON_GATEWAY_URL: gateway.url,
          BATON_WORKFLOWS_DIR: workflowsDir,
          BATON_TASK_QUEUE: `tls-${process.pid}`,
          BATON_SYSTEM_TASK_QUEUE: `tls-system-${process.pid}`,
        },
        () => start({ port }),
      ),
    );
    try {
      assert.ifError(error);
      assert.match(output, /TLS on \(server CA from secret "temporal-tls-server-ca-cert"/);
      const api = `http://127.0.0.1:${port}`;
      const started = await fetch(`${api}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ pipeline: 'flaky-step', input: { failures: 0 } }),
      });
      assert.equal(started.status, 202, await started.clone().text());
      const { runId } = (await started.json()) as { runId: string };
      let run: { status: string; result?: unknown } = { status: 'unknown' };
      for (
        const deadline = Date.now() + 60_000;
        Date.now() < deadline && run.status !== 'completed' && run.status !== 'failed';
      ) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        run = (await (
          await fetch(`${api}/runs/${runId}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
        ).json()) as typeof run;
      }
      assert.equal(run.status, 'completed', JSON.stringify(run));
      assert.deepEqual(run.result, { calls: 1 });
      assert.deepEqual(gateway.calls, ['POST /function/flaky']);
    } finally {
      await service?.close();
      await gateway.close();
    }
  });

  test('a wrong CA, or none (system CAs), stops start-up naming the CA setting', async () => {
    await startupFails(
      { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secrets(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.otherCa },
      /does not trust: check TEMPORAL_TLS_SERVER_CA_CERT_PATH \(.*other-ca\.pem\)/,
    );
    const wrongSecret = secrets();
    copyTo(wrongSecret, 'temporal-tls-server-ca-cert', pki.otherCa);
    await startupFails(
      { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: wrongSecret },
      /does not trust: check secret "temporal-tls-server-ca-cert"/,
    );
    await startupFails(
      { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secrets(), TEMPORAL_TLS: 'true' },
      /the system CAs do not trust: check TEMPORAL_TLS_SERVER_CA_CERT_PATH \(or secret "temporal-tls-server-ca-cert"; unset/,
    );
  });

  test('plain text against the TLS frontend stops start-up naming TEMPORAL_TLS', async () => {
    await startupFails({ TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secrets() }, /TEMPORAL_TLS=true/);
  });

  test('a wrong namespace stops start-up naming TEMPORAL_NAMESPACE', async () => {
    await startupFails(
      {
        TEMPORAL_ADDRESS: server.address,
        BATON_SECRETS_DIR: secrets(),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
        TEMPORAL_NAMESPACE: 'no-such-namespace',
      },
      /namespace "no-such-namespace" does not exist on Temporal at .*: check TEMPORAL_NAMESPACE/,
    );
  });
});

describe('mTLS: the server requires a client certificate', () => {
  let server: TemporalTlsServer;
  before(async () => {
    server = await startServer({ kind: 'mtls' });
  });
  after(async () => {
    await server?.stop();
  });

  test('the client certificate from secrets gets in: worker connection, and a client that starts a workflow', async () => {
    const secretsDir = secrets();
    copyTo(secretsDir, 'temporal-tls-server-ca-cert', pki.ca);
    copyTo(secretsDir, 'temporal-tls-client-cert', pki.clientCert);
    copyTo(secretsDir, 'temporal-tls-client-key', pki.clientKey);
    await getsIn({ TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secretsDir }, 'mtls');
  });

  test("without Baton's search attributes the orchestrator stops at start naming the command; that command registers them over mTLS", async () => {
    const secretsDir = secrets();
    copyTo(secretsDir, 'temporal-tls-server-ca-cert', pki.ca);
    copyTo(secretsDir, 'temporal-tls-client-cert', pki.clientCert);
    copyTo(secretsDir, 'temporal-tls-client-key', pki.clientKey);
    const env = { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secretsDir };
    const { error, result: unexpected } = await captureConsole(() =>
      withEnv({ ...env, BATON_GATEWAY_URL: 'http://127.0.0.1:9', BATON_WORKFLOWS_DIR: workflowsDir }, () =>
        start({ port: 0 }),
      ),
    );
    await unexpected?.close();
    assert.match(
      error?.message ?? '',
      /search attributes BatonPipeline \(KEYWORD\), .* are not registered in namespace "default": run `npm run temporal:register-search-attributes`/,
    );

    const script = await runProcess(
      process.execPath,
      ['--import', 'tsx', 'functions/baton/temporal/register-search-attributes.ts'],
      { ...process.env, ...env },
    );
    assert.equal(script.code, 0, script.output);
    assert.match(script.output, /search attributes added: BatonPipeline, BatonStep, /);
    const settings = loadTemporalConnectSettings(env);
    const connection = await connectClientConnection(settings);
    try {
      await checkSearchAttributes(connection, settings.namespace);
    } finally {
      await connection.close();
    }
  });

  test('no client certificate, or one from another CA, stops start-up naming the client certificate setting', async () => {
    await startupFails(
      { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secrets(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca },
      /requires a client certificate \(mTLS\): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH \(or secrets "temporal-tls-client-cert" and "temporal-tls-client-key"\)/,
    );
    await startupFails(
      {
        TEMPORAL_ADDRESS: server.address,
        BATON_SECRETS_DIR: secrets(),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
        TEMPORAL_TLS_CLIENT_CERT_PATH: pki.otherClientCert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: pki.otherClientKey,
      },
      /refused the client certificate from TEMPORAL_TLS_CLIENT_CERT_PATH \(.*other-client\.pem\)/,
    );
  });
});

describe('API key: TLS and the JWT authorizer', () => {
  let server: TemporalTlsServer;
  before(async () => {
    server = await startServer({
      kind: 'api-key',
      jwksUrl: jwt.jwksUrl,
      adminApiKey: jwt.apiKey(['temporal-system:admin', 'default:admin']),
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('the right key from the secret gets in: worker connection, and a client that starts a workflow', async () => {
    const secretsDir = secrets({ 'temporal-api-key': `${jwt.apiKey(['default:write'])}\n` });
    copyTo(secretsDir, 'temporal-tls-server-ca-cert', pki.ca);
    await getsIn({ TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secretsDir }, 'key');
  });

  test("a forged key stops the orchestrator at start naming the key's secret; the key is in no error and no log line", async () => {
    const forged = jwt.foreignApiKey(['default:write']);
    const secretsDir = secrets({ 'temporal-api-key': forged });
    copyTo(secretsDir, 'temporal-tls-server-ca-cert', pki.ca);
    const began = Date.now();
    const {
      output,
      error,
      result: unexpected,
    } = await captureConsole(() =>
      withEnv(
        {
          TEMPORAL_ADDRESS: server.address,
          BATON_SECRETS_DIR: secretsDir,
          BATON_GATEWAY_URL: 'http://127.0.0.1:9',
          BATON_WORKFLOWS_DIR: workflowsDir,
        },
        () => start({ port: 0 }),
      ),
    );
    await unexpected?.close();
    assert.ok(error, 'start() should have failed');
    assert.ok(Date.now() - began < STARTUP_FAILS_WITHIN_MS);
    assert.match(error.message, /rejected the API key from secret "temporal-api-key"/);
    const everything = [error.message, error.stack, String((error.cause as Error | undefined)?.message), output].join(
      '\n',
    );
    assert.ok(!everything.includes(forged), 'the key leaked into an error or a log line');
    assert.ok(!everything.includes(forged.split('.')[2]!), "the key's signature leaked");

    // The same from the environment variable, which is then named.
    await startupFails(
      {
        TEMPORAL_ADDRESS: server.address,
        BATON_SECRETS_DIR: secrets(),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
        TEMPORAL_API_KEY: forged,
      },
      /rejected the API key from TEMPORAL_API_KEY/,
    );
    // No key at all: named as the missing setting.
    await startupFails(
      { TEMPORAL_ADDRESS: server.address, BATON_SECRETS_DIR: secrets(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca },
      /requires credentials: set TEMPORAL_API_KEY \(or secret "temporal-api-key"\)/,
    );
  });

  test('a key without rights on the namespace stops start-up naming TEMPORAL_NAMESPACE and the key', async () => {
    await startupFails(
      {
        TEMPORAL_ADDRESS: server.address,
        BATON_SECRETS_DIR: secrets(),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
        TEMPORAL_API_KEY: jwt.apiKey(['default:write']),
        TEMPORAL_NAMESPACE: 'ml-prod',
      },
      /denies the API key from TEMPORAL_API_KEY access to namespace "ml-prod": check TEMPORAL_NAMESPACE/,
    );
  });
});
