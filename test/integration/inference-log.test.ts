/**
 * predict's inference log and feedback on the real local stack: a model trained by the real pipeline, predict called
 * through the gateway as people call it (viewer API key), feedback posted to `/function/predict/feedback`, the records
 * read back from MinIO in the layout monitor-model reads (README, "Inference log and feedback").
 *
 * The stack runs with `inference_log_flush_seconds` = 3600: nothing reaches the bucket on its own during the test, so
 * every record found was written by a graceful stop — one replica retired by a scale-down (the supervisor's SIGTERM
 * after the watchdog's drain), the other stopped by SIGTERM to its watchdog, as the kubelet does. Without the flush on
 * stop, the records would be lost with the processes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client as MinioClient } from 'minio';
import { createKey } from '../../cli/api/keys-client.ts';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { startTestStack, stopTestStack, watchdogPids, type TestStack } from '../support/test-stack.ts';

const BUCKET = 'baton-artifacts';
const MODEL = 'iris-logged';
const CALLS = 40;
const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];

interface Answer {
  status: number;
  body: { output?: PredictOutput; error?: { message: string; issues?: { path: string }[] } };
  headers: Headers;
}
interface PredictOutput {
  model: { name: string; version: string };
  predictions: unknown[];
  probabilities: number[][];
  classes: unknown[];
  requestId: string;
}
interface LogLine {
  requestId: string;
  ts: string;
  model: { name: string; version: string };
  features: string[];
  rows: number[][];
  predictions: unknown[];
  probabilities: number[][] | null;
  classes: unknown[] | null;
}

let stack: TestStack;
let minio: MinioClient;
let viewerKey: string;
const stackLines: string[] = [];
before(async () => {
  stack = await startTestStack({
    verbose: true,
    say: (line) => stackLines.push(line),
    functionEnv: { inference_log_flush_seconds: '3600' },
  });
  viewerKey = (await createKey(stack, 'reader', ['viewer'])).key;
  minio = rootMinioClient(stack);
});
after(() => stopTestStack(stack));

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${stack.gatewayUrl}/function/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${viewerKey}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'], headers: response.headers };
}

async function scale(replicas: number): Promise<void> {
  const auth = Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64');
  const response = await fetch(`${stack.gatewayUrl}/system/scale-function/predict`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify({ serviceName: 'predict', replicas }),
  });
  assert.equal(response.status, 202);
}

async function availableReplicas(): Promise<number> {
  const auth = Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64');
  const response = await fetch(`${stack.gatewayUrl}/system/function/predict`, {
    headers: { authorization: `Basic ${auth}` },
  });
  return ((await response.json()) as { availableReplicas: number }).availableReplicas;
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every line of every object under `prefix`, by object key. */
async function readLog(prefix: string): Promise<Map<string, unknown[]>> {
  const keys: string[] = [];
  for await (const item of minio.listObjectsV2(BUCKET, prefix, true)) if (item.name) keys.push(item.name);
  const files = new Map<string, unknown[]>();
  for (const key of keys.sort()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject(BUCKET, key)) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    files.set(
      key,
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as unknown),
    );
  }
  return files;
}

/** The row of call `i`: a spread of iris-like flowers, each call its own. */
const rowsOf = (i: number): number[][] => [
  [4.8 + (i % 10) * 0.2, 3.0 + (i % 3) * 0.2, 1.3 + (i % 7) * 0.7, 0.2 + (i % 5) * 0.5],
  ...(i % 4 === 0 ? [[6.7, 3.0, 5.2, 2.3]] : []),
];

test('predictions and feedback are logged with their content, and a graceful stop loses no record', async () => {
  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: { dataset: 'iris', model: { type: 'logistic_regression', params: {} }, modelName: MODEL },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  const version = (view.result as { model: { version: string } }).model.version;

  // Two replicas, so that calls spread over two processes, each stopped its own way below.
  await scale(2);
  await until('two ready predict replicas', 60_000, async () => (await availableReplicas()) === 2);

  const answers = new Map<string, { rows: number[][]; output: PredictOutput }>();
  for (let i = 0; i < CALLS; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: 4 }, (_, j) => {
        const n = i + j;
        // Half name their request; the others get a made id.
        const headers: Record<string, string> = n % 2 === 0 ? { 'X-Request-Id': `order-${n}` } : {};
        return post('predict', { input: { model: MODEL, rows: rowsOf(n) } }, headers).then((answer) => ({ n, answer }));
      }),
    );
    for (const { n, answer } of batch) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const output = answer.body.output!;
      assert.equal(answer.headers.get('x-request-id'), output.requestId, 'the id is in the header too');
      if (n % 2 === 0) assert.equal(output.requestId, `order-${n}`);
      else assert.match(output.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      answers.set(output.requestId, { rows: rowsOf(n), output });
    }
  }
  assert.equal(answers.size, CALLS, 'every request id is its own');

  const unsafe = await post('predict', { input: { model: MODEL, rows: rowsOf(1) } }, { 'X-Request-Id': 'a b/c' });
  assert.notEqual(unsafe.body.output!.requestId, 'a b/c', 'an unsafe id is replaced');
  answers.set(unsafe.body.output!.requestId, { rows: rowsOf(1), output: unsafe.body.output! });

  // Feedback for every third request: the true label of each of its rows (here: what a person says it was).
  const labelled = [...answers.entries()].filter((_, i) => i % 3 === 0);
  for (const [requestId, { output }] of labelled) {
    const labels = output.predictions.map((_, i) => output.classes[i % output.classes.length]);
    const accepted = await post('predict/feedback', { model: MODEL, requestId, labels });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  }
  const bad = await post('predict/feedback', { model: MODEL, requestId: 'no spaces allowed', labels: [0] });
  assert.equal(bad.status, 422);
  assert.deepEqual(
    bad.body.error!.issues!.map((issue) => issue.path),
    ['requestId'],
  );
  const anonymous = await fetch(`${stack.gatewayUrl}/function/predict/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, requestId: 'order-0', labels: [0] }),
  });
  assert.equal(anonymous.status, 401, 'feedback needs the same API key as predict');

  assert.equal((await readLog('inference-log/')).size, 0, 'held in memory: the flush interval is an hour');

  // A scale-down retires one replica (SIGTERM after the watchdog's drain); then SIGTERM the other's watchdog.
  const before = await watchdogPids(stack, 'predict');
  assert.equal(before.length, 2);
  await scale(1);
  await until('the retired replica gone', 60_000, async () => before.filter(alive).length === 1);
  const [survivor] = before.filter(alive);
  process.kill(survivor!, 'SIGTERM');
  await until('the other replica gone', 60_000, async () => !alive(survivor!));

  const logFiles = await readLog(`inference-log/${MODEL}/`);
  const logged = [...logFiles.values()].flat() as LogLine[];
  assert.equal(logged.length, answers.size, `every call logged once: ${[...logFiles.keys()].join(', ')}`);
  for (const key of logFiles.keys())
    assert.match(
      key,
      /^inference-log\/iris-logged\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[a-z0-9.-]+-\d+-\d+-\d+\.jsonl$/,
    );
  const writers = new Set(
    [...logFiles.keys()].map((key) =>
      key
        .split('/')
        .pop()!
        .replace(/-\d+\.jsonl$/, ''),
    ),
  );
  assert.equal(writers.size, 2, `both replicas wrote their own files: ${[...writers].join(', ')}`);
  for (const line of logged) {
    const sent = answers.get(line.requestId);
    assert.ok(sent, `logged an unknown request ${line.requestId}`);
    assert.deepEqual(line, {
      requestId: line.requestId,
      ts: line.ts,
      model: { name: MODEL, version },
      features: IRIS_FEATURES,
      rows: sent.rows,
      predictions: sent.output.predictions,
      probabilities: sent.output.probabilities,
      classes: sent.output.classes,
    });
    assert.match(line.ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }
  assert.equal(new Set(logged.map((line) => line.requestId)).size, logged.length, 'no record twice');

  const feedback = [...(await readLog(`inference-feedback/${MODEL}/`)).values()].flat() as {
    requestId: string;
    ts: string;
    labels: unknown[];
  }[];
  assert.deepEqual(feedback.map((line) => line.requestId).sort(), labelled.map(([id]) => id).sort());
  for (const line of feedback) {
    const { output } = answers.get(line.requestId)!;
    assert.deepEqual(
      line.labels,
      output.predictions.map((_, i) => output.classes[i % output.classes.length]),
    );
  }
  assert.ok(
    stackLines.some((line) => /predict: inference-log closed: \d+ written, 0 dropped, 0 lost/.test(line)),
    'each stopping replica says what it wrote',
  );
});
