/**
 * The production images, without Docker: `npm run build` makes every function's build context, each image's
 * filesystem is laid out by following its Dockerfile (deploy/images/image-layers.ts; layers cached, so a second
 * run is quick), and each function starts from that tree alone — a private mount namespace whose root is the
 * image, over the host's /usr and /etc, with nothing of the checkout present — under the stand-in watchdog with
 * exactly the image's environment plus the function's. Then real calls against a real test stack: ingest from its
 * image stores a dataset in MinIO, and the orchestrator's image polls its own task queue and runs a pipeline to
 * completion, started through its own HTTP API. A context missing a file its code needs must fail to start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import proto from '@temporalio/proto';
import { Client as MinioClient } from 'minio';
import { buildFunctions, type BuiltFunction } from '../../deploy/images/build-functions.ts';
import { layOutFunctionImage, startFunctionImage, type FunctionImage } from '../../deploy/images/function-image.ts';
import type { ImageLayout } from '../../deploy/images/image-layers.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { loadStackFiles, type FunctionSpec } from '../../deploy/local/stack-file.ts';
import { ensureTools, type ToolPaths } from '../../deploy/tools/tools.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { bearer, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { stepSignatureHeaders } from '../support/step-call.ts';

const verbose = process.env.BATON_TEST_VERBOSE === '1';
const smokeQueue = `image-smoke-${randomUUID().slice(0, 8)}`;

let tools: ToolPaths;
let stack: TestStack | undefined;
let buildDir: string;
let built: BuiltFunction[];
let specs: Map<string, FunctionSpec>;
const layouts = new Map<string, ImageLayout>();
const running = new Map<string, FunctionImage>();

before(async () => {
  tools = await ensureTools();
  buildDir = await mkdtemp(path.join(tmpdir(), 'baton-image-smoke-'));
  specs = new Map(
    (await loadStackFiles([path.join(repoRoot, 'stack.yml')])).functions.map((spec) => [spec.name, spec]),
  );
  // The stack mostly waits on its servers: build meanwhile.
  const [startedStack, contexts] = await Promise.all([startTestStack(), buildFunctions({ repoRoot, buildDir })]);
  stack = startedStack;
  built = contexts;
  for (const fn of built)
    layouts.set(
      fn.name,
      await layOutFunctionImage({
        context: fn.context,
        watchdogBinary: tools.watchdog,
        log: verbose ? console.log : undefined,
      }),
    );
});

after(async () => {
  await Promise.all([...running.values()].map((image) => image.stop()));
  await stopTestStack(stack);
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

/** Starts `name` from its image, joined to the test stack. */
function startImage(
  name: string,
  env: Record<string, string> = {},
  context?: string,
  layout?: ImageLayout,
): Promise<FunctionImage> {
  const spec = specs.get(name.replace(/-outside$/, ''))!;
  return startFunctionImage({
    spec: { ...spec, name },
    context: context ?? built.find((fn) => fn.name === name)!.context,
    layout: layout ?? layouts.get(name),
    watchdogBinary: tools.watchdog,
    secretsDir: stack!.secrets.dir,
    env: {
      S3_ENDPOINT: stack!.minioUrl,
      TEMPORAL_ADDRESS: stack!.temporalAddress,
      TEMPORAL_UI_URL: stack!.temporalUiUrl,
      BATON_GATEWAY_URL: stack!.gatewayUrl,
      ...env,
    },
    onLine: verbose ? (line) => console.log(`[${name} image] ${line}`) : undefined,
  });
}

test('every function of stack.yml has a self-contained context and starts from its image tree alone', async () => {
  assert.deepEqual(built.map((fn) => fn.name).sort(), [...specs.keys()].sort());
  const baton = built.find((fn) => fn.name === 'baton')!;
  assert.ok(
    baton.bundle?.files.includes('workflows/pipelines.js'),
    'the orchestrator ships a prebuilt workflow bundle',
  );
  const bundleText = await readFile(path.join(baton.context, 'dist', 'index.mjs'), 'utf8');
  assert.ok(
    !/node_modules\/(webpack|@swc\/core|swc-loader)\//.test(bundleText),
    'webpack and swc are not in the orchestrator image',
  );
  const faasCliStack = await loadStackFiles([path.join(buildDir, 'stack.yml')]);
  assert.deepEqual(
    faasCliStack.functions.map((fn) => [fn.name, fn.lang, fn.image]),
    built.map((fn) => [fn.name, 'dockerfile', fn.image]),
  );

  const orchestratorEnv = {
    BATON_TASK_QUEUE: smokeQueue,
    BATON_SYSTEM_TASK_QUEUE: `${smokeQueue}-system`,
    BATON_SCALER_ENABLED: 'false', // the test stack's own orchestrator runs the scaler
  };
  const started = await Promise.all(built.map((fn) => startImage(fn.name, fn.name === 'baton' ? orchestratorEnv : {})));
  for (const image of started) running.set(image.name, image);
  await Promise.all(started.map((image) => image.ready('/_/ready', 120_000)));
  await running.get('baton')!.ready('/healthz', 60_000);
  const health = (await (await fetch(`${running.get('baton')!.url}/healthz`)).json()) as { worker: string };
  assert.equal(health.worker, 'running');

  // The image's root holds the image and the base runtime only: the checkout is not there.
  const ingestLayout = layouts.get('ingest')!;
  assert.ok(
    ingestLayout.layers.every((layer) => !existsSync(path.join(layer, repoRoot))),
    'no layer holds the checkout path',
  );
  assert.equal(ingestLayout.user?.name, 'app');
});

test("ingest, from its image, stores a dataset version in the test stack's MinIO", async () => {
  const ingest = running.get('ingest');
  assert.ok(ingest, 'ingest runs from its image');
  await ingest.ready();
  const workflowId = `image-smoke-${randomUUID().slice(0, 8)}`;
  // Signed as the orchestrator signs: the image verifies with the step key mounted from the stack's secrets.
  const envelope = JSON.stringify({
    input: { source: 'sklearn', dataset: 'iris' },
    run: { workflowId, runId: randomUUID(), pipeline: 'image-smoke', step: 'ingest', attempt: 1 },
  });
  const unsigned = await fetch(`${ingest.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: envelope,
  });
  assert.equal(unsigned.status, 401, 'the image refuses an unsigned call');
  const res = await fetch(`${ingest.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-call-id': `${workflowId}/ingest/1`,
      ...stepSignatureHeaders(stack!.secrets.signingKey, 'ingest', envelope),
    },
    body: envelope,
  });
  const body = (await res.json()) as {
    output: { dataset: { name: string; version: string; rows: number; data: { uri: string; size: number } } };
  };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.output.dataset.rows, 150);
  const minio = new MinioClient({
    endPoint: '127.0.0.1',
    port: Number(new URL(stack!.minioUrl).port),
    useSSL: false,
    accessKey: stack!.secrets.s3AccessKey,
    secretKey: stack!.secrets.s3SecretKey,
  });
  const { bucket, key } = /^s3:\/\/(?<bucket>[^/]+)\/(?<key>.+)$/.exec(body.output.dataset.data.uri)!.groups!;
  assert.equal((await minio.statObject(bucket!, key!)).size, body.output.dataset.data.size);
});

test("the orchestrator's image polls its own task queue and runs a pipeline to completion", async () => {
  const baton = running.get('baton');
  assert.ok(baton, 'the orchestrator runs from its image');
  await baton.ready('/healthz');
  const { client, connection } = await connectTemporal(stack!);
  try {
    const pollers = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: smokeQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    assert.ok((pollers.pollers ?? []).length > 0, `the image's worker polls ${smokeQueue}`);

    // Started through the image's own API: only its worker polls this task queue, so only it can run it.
    const started = await fetch(`${baton.url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(stack!) },
      body: JSON.stringify({ pipeline: 'train-classifier', input: {} }),
    });
    const run = (await started.json()) as { runId: string };
    assert.equal(started.status, 202, JSON.stringify(run));
    let view: { status: string; error?: unknown; steps: { name: string; status: string }[] } | undefined;
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
      view = (await (await fetch(`${baton.url}/runs/${run.runId}`, { headers: bearer(stack!) })).json()) as typeof view;
      if (view && view.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(view?.status, 'completed', JSON.stringify(view?.error ?? view));
    assert.ok(view!.steps.length >= 6 && view!.steps.every((step) => step.status === 'completed'));
    const description = await client.workflow.getHandle(run.runId).describe(); // its memo is encrypted: the stack's keys read it
    assert.equal(description.taskQueue, smokeQueue);
  } finally {
    await connection.close();
  }
});

test('a context whose code needs a file outside it fails to start, naming what is missing', async () => {
  // ingest's handler, made to import one of its modules from the checkout instead of its own folder: on the host
  // the import would work, in the image the checkout is not there.
  const outside = path.join(buildDir, 'ingest-outside');
  await cp(built.find((fn) => fn.name === 'ingest')!.context, outside, { recursive: true });
  await rm(path.join(outside, 'function', 'ingest_sklearn.py'));
  const checkoutCopy = path.join(repoRoot, 'functions', 'ingest');
  assert.ok(existsSync(path.join(checkoutCopy, 'ingest_sklearn.py')));
  const handler = path.join(outside, 'function', 'handler.py');
  const source = await readFile(handler, 'utf8');
  await writeFile(
    handler,
    source.replace(
      'from ingest_sklearn import',
      `import sys\nsys.path.insert(0, ${JSON.stringify(checkoutCopy)})\nfrom ingest_sklearn import`,
    ),
  );

  const layout = await layOutFunctionImage({ context: outside, watchdogBinary: tools.watchdog });
  const image = await startImage('ingest-outside', {}, outside, layout);
  running.set('ingest-outside', image);
  await assert.rejects(image.ready('/_/ready', 60_000), (error: Error) => {
    assert.match(error.message, /function ingest-outside \(from its image\) exited/);
    assert.match(error.message, /ingest_sklearn/);
    return true;
  });
});
