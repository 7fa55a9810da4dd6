/**
 * No secret and no token in a URL, a log or a history. Every secret of the stack carries a canary string; the
 * stack runs the demo pipeline, a long (asynchronous) training with progress reports and a callback, a step that
 * fails once and is retried, and a step whose answer fails the run. Every token issued on the way is captured at
 * a proxy the orchestrator calls the gateway through (step call signatures, the functions' answer and progress
 * signatures, the task tokens sealed in callback and progress URLs). Then neither the canary, nor any secret value,
 * nor any of those tokens may appear in: the data folder (logs, MinIO's objects, Temporal's SQLite files) outside
 * its secret folders, every line the stack and its functions wrote (what `npm start` keeps in
 * logs/functions.log), the gateway's `/system/logs` of every function, and every workflow's history, memo and
 * search attributes as Temporal stores them (raw bytes: payloads are encrypted by the codec, the rest is not).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import proto from '@temporalio/proto';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import { openAttemptRef } from '../../activities/attempt-ref.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { startSwitchableProxy, type ProxiedExchange, type SwitchableProxy } from '../support/switchable-proxy.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

/** Letters and digits only, 16 characters: valid inside every secret's format, base64 included. */
const canary = `Cnry${randomBytes(6).toString('hex')}`;
const secretWithCanary = () => `${canary}-${randomBytes(24).toString('base64url')}`;
const codecKey = () => {
  const key = randomBytes(32).toString('base64');
  return `${canary}${key.slice(canary.length)}`; // still 32 bytes in base64
};

let stack: TestStack;
let proxy: SwitchableProxy;
const exchanges: ProxiedExchange[] = [];
/** Every line of the stack and of its functions' output, as `npm start` writes them to logs/functions.log. */
const stackLines: string[] = [];

before(async () => {
  // The orchestrator reaches the gateway, and the gateway's queue reaches the orchestrator, through a recording proxy.
  const gatewayPort = await allocatePort();
  proxy = await startSwitchableProxy(await allocatePort(), `http://127.0.0.1:${gatewayPort}`, (exchange) =>
    exchanges.push(exchange),
  );
  stack = await startTestStack({
    ports: { gateway: gatewayPort },
    verbose: true,
    say: (line) => stackLines.push(line),
    functionEnv: { BATON_GATEWAY_URL: proxy.url, BATON_PUBLIC_URL: `${proxy.url}/function/baton` },
    secrets: {
      's3-access-key': `${canary}ak`, // MinIO's root user: at most 20 characters
      's3-secret-key': `${canary}${randomBytes(12).toString('base64url')}`, // at most 40
      'basic-auth-user': `admin-${canary}`,
      'basic-auth-password': secretWithCanary(),
      'baton-callback-key': secretWithCanary(),
      'baton-signing-key': secretWithCanary(),
      'postgres-password': secretWithCanary(),
      'fetch-csv-token': secretWithCanary(),
      'baton-codec-keys': `canary-test:${codecKey()}\n`,
      'baton-admin-key': secretWithCanary(),
    },
  });
});
after(async () => {
  await stopTestStack(stack);
  await proxy?.close();
});

/** A value to look for, named by what it is (a failure names the label and the place, never the value). */
interface Needle {
  label: string;
  bytes: Buffer[];
}

const text = (label: string, value: string): Needle => ({ label, bytes: [Buffer.from(value)] });
/** A binary token in every form it could be written in. */
const binary = (label: string, value: Uint8Array): Needle => {
  const raw = Buffer.from(value);
  return {
    label,
    bytes: [
      raw,
      Buffer.from(raw.toString('base64')),
      Buffer.from(raw.toString('base64url')),
      Buffer.from(raw.toString('hex')),
    ],
  };
};
const signaturePart = (header: string | undefined) => /sig=([A-Za-z0-9_-]{43})/.exec(header ?? '')?.[1];

/** Every token the run issued, as captured at the proxy. */
function capturedTokens() {
  const needles: Needle[] = [];
  const counts = { stepCalls: 0, answers: 0, callbacks: 0, progress: 0, taskTokens: 0 };
  for (const exchange of exchanges) {
    const path = exchange.url.split('?')[0]!;
    const callback = /^\/function\/baton\/(callbacks|progress)\/([^/]+)$/.exec(path);
    if (callback) {
      const [, kind, ref] = callback;
      counts[kind === 'callbacks' ? 'callbacks' : 'progress']++;
      const sig = signaturePart(exchange.headers['x-baton-signature']);
      if (sig) needles.push(text(`${kind} signature`, sig));
      const identity = openAttemptRef(ref!, stack.secrets.callbackKey);
      assert.ok(identity, `the ${kind} URL names an attempt this orchestrator sealed`);
      needles.push(binary(`task token (attempt ${identity.attempt} of ${identity.activityId})`, identity.taskToken));
      counts.taskTokens++;
    } else if (/^\/(async-)?function\//.test(path) && !path.startsWith('/function/baton/')) {
      const sig = signaturePart(exchange.headers['x-baton-signature']);
      if (sig) {
        counts.stepCalls++;
        needles.push(text(`step call signature (${path})`, sig));
      }
      const answer = signaturePart(exchange.responseHeaders['x-baton-signature']);
      if (answer) {
        counts.answers++;
        needles.push(text(`answer signature (${path})`, answer));
      }
    }
  }
  return { needles, counts };
}

/** Every secret value of the stack (step keys included), and the basic auth header made from two of them. */
async function secretNeedles(): Promise<Needle[]> {
  const needles = [text('canary', canary)];
  // The functions' secrets, and MinIO's root credentials (kept by the stack in <data>/admin, given to no function).
  const adminDir = join(stack.dataDir, 'admin');
  const files = [
    ...(await readdir(stack.secrets.dir)).map((name) => join(stack.secrets.dir, name)),
    ...(await readdir(adminDir)).map((name) => join(adminDir, name)),
  ];
  for (const file of files) {
    const name = basename(file);
    const value = (await readFile(file, 'utf8')).trim();
    if (name === 'baton-codec-keys') {
      needles.push(text(`secret ${name}`, value.slice(value.indexOf(':') + 1))); // the key id is not secret
    } else if (name !== 'basic-auth-user' && !name.startsWith('s3-access-key')) {
      // user names, not secrets
      needles.push(text(`secret ${name}`, value));
    }
  }
  needles.push(
    text(
      'basic auth header',
      Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64'),
    ),
  );
  return needles;
}

/** The labels of the needles found in `haystack`, each with `where`. */
function found(needles: Needle[], haystack: Buffer, where: string): string[] {
  return needles
    .filter((needle) => needle.bytes.some((bytes) => haystack.includes(bytes)))
    .map((needle) => `${needle.label} in ${where}`);
}

/** Every file below `dir`, except where secrets belong: the secret folders, the stack's admin folder, MinIO's IAM store. */
async function filesBelow(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // MinIO keeps its users' secret keys in its IAM store (it must, to check their signatures): like secrets/.
      if (
        entry.name !== 'secrets' &&
        path !== join(stack.dataDir, 'admin') &&
        !path.endsWith(join('.minio.sys', 'config', 'iam'))
      )
        files.push(...(await filesBelow(path)));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}

test('no canary, secret or token in the data folder, the gateway logs, or any workflow history, memo and search attributes', async () => {
  const runs = await Promise.all([
    triggerRun(stack, { pipeline: 'train-classifier', input: {} }),
    triggerRun(stack, {
      pipeline: 'train-classifier-resumable',
      input: { epochs: 3, secondsPerEpoch: 1, modelName: 'canary-long' },
    }),
    triggerRun(stack, { pipeline: 'flaky-step', input: { failures: 1 } }),
    triggerRun(stack, { pipeline: 'bad-output', input: {} }),
  ]);
  const views = await Promise.all(runs.map((run) => waitForRun(stack, run.runId, { timeoutMs: 240_000 })));
  assert.deepEqual(
    views.map((view) => view.status),
    ['completed', 'completed', 'completed', 'failed'],
    JSON.stringify(views.map((v) => v.error)),
  );
  assert.ok(
    views[2]!.steps.some((step) => step.attempt >= 2),
    'the flaky step failed once (a failed call) before it answered',
  );
  await new Promise((resolve) => setTimeout(resolve, 1000)); // log lines reach their files

  const { needles: tokens, counts } = capturedTokens();
  assert.ok(
    counts.stepCalls >= 10 && counts.answers >= 5,
    `signed step calls and answers were captured: ${JSON.stringify(counts)}`,
  );
  assert.ok(
    counts.callbacks >= 1 && counts.progress >= 3 && counts.taskTokens >= 4,
    `callbacks and progress reports were captured: ${JSON.stringify(counts)}`,
  );
  const secrets = await secretNeedles();
  // The task tokens of synchronous attempts never leave the worker, so they cannot be captured; a log line that
  // carries one names it (Temporal's SDK attaches it to activity log lines as `taskToken`).
  const needles = [...secrets, ...tokens, text('a taskToken attribute', 'taskToken')];

  // The search works: the canary is in the secret files, and it finds what it is given.
  assert.deepEqual(
    found([text('canary', canary)], await readFile(join(stack.secrets.dir, 'baton-signing-key')), 'secrets'),
    ['canary in secrets'],
  );
  assert.ok(secrets.length >= 15, `every secret file is searched for: ${secrets.map((n) => n.label).join(', ')}`);

  const leaks: string[] = [];
  // No URL carries a secret or a token, also not encoded in a path segment: gateways and queue-workers log URLs
  // (OpenFaaS' queue-worker logs each callback URL and the whole queued request).
  for (const { url } of exchanges) {
    const segments = url
      .split(/[/?&=]/)
      .filter(Boolean)
      .map((segment) => Buffer.from(segment, 'base64url'));
    leaks.push(...found(needles, Buffer.concat([Buffer.from(url), ...segments]), `the URL ${url.slice(0, 40)}…`));
  }
  // The data folder: logs, MinIO's objects and metadata, Temporal's SQLite database and its WAL.
  const files = await filesBelow(stack.dataDir);
  const searched = ['temporal.db', 'logs/temporal.log', 'logs/minio.log', 'minio/baton-artifacts/'];
  for (const part of searched)
    assert.ok(
      files.some((file) => file.includes(join(stack.dataDir, part))),
      `${part} is searched`,
    );
  for (const file of files) leaks.push(...found(needles, await readFile(file), file.slice(stack.dataDir.length + 1)));
  // Every line of the stack and of its functions (stdout and stderr of every replica, the orchestrator's included).
  assert.ok(
    stackLines.some((line) => line.startsWith('[baton/')) &&
      stackLines.some((line) => line.startsWith('[train-epochs/')),
    'function output is searched',
  );
  leaks.push(...found(needles, Buffer.from(stackLines.join('\n')), 'the output of the stack and its functions'));

  // The gateway's logs of every function.
  const auth = {
    Authorization: `Basic ${Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64')}`,
  };
  const functions = (await (await fetch(`${stack.gatewayUrl}/system/functions`, { headers: auth })).json()) as {
    name: string;
  }[];
  assert.ok(functions.length >= 10);
  for (const { name } of functions) {
    const logs = await fetch(`${stack.gatewayUrl}/system/logs?name=${name}&tail=1000000`, { headers: auth });
    assert.equal(logs.status, 200);
    leaks.push(...found(needles, Buffer.from(await logs.arrayBuffer()), `/system/logs?name=${name}`));
  }

  // Every workflow's history, memo and search attributes, as Temporal stores them.
  const { client, connection } = await connectTemporal(stack);
  try {
    let workflows = 0;
    for await (const execution of client.workflow.list()) {
      workflows++;
      const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
      const history = proto.temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish();
      leaks.push(...found(needles, Buffer.from(history), `the history of ${execution.workflowId}`));
      const description = proto.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(
        (await handle.describe()).raw,
      ).finish();
      leaks.push(
        ...found(needles, Buffer.from(description), `the memo or search attributes of ${execution.workflowId}`),
      );
    }
    assert.ok(workflows >= 4, `${workflows} workflows searched`);
  } finally {
    await connection.close();
  }

  assert.deepEqual(leaks, [], `secrets or tokens leaked:\n${leaks.join('\n')}`);
});
