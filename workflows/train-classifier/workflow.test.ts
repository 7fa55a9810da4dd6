import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ensureTools } from '../../deploy/tools/tools.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import { startTemporalServer, type TemporalServer } from '../../deploy/local/temporal-server.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import type { InvokeFunctionRequest } from '../../activities/index.ts';
import { fakeStepOutputs } from '../../test/support/fake-step-outputs.ts';

// Workflow tests with fake activities on a real Temporal dev server, started the way the local stack starts it
// (Baton's search attributes registered; a generous readiness wait, as a busy CI machine may need it).
let server: TemporalServer | undefined;
let dataDir: string;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;
const workflowsPath = fileURLToPath(new URL('../index.ts', import.meta.url));

before(async () => {
  const tools = await ensureTools();
  dataDir = await mkdtemp(join(tmpdir(), 'baton-workflow-test-'));
  await mkdir(join(dataDir, 'logs'));
  server = await startTemporalServer({ binary: tools.temporal, dataDir, port: await allocatePort(), uiPort: await allocatePort() });
  nativeConnection = await NativeConnection.connect({ address: server.address });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});
after(async () => {
  await nativeConnection?.close();
  await connection?.close();
  await server?.process.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function runWith(invokeFunction: (call: InvokeFunctionRequest) => Promise<unknown>, input: unknown = {}) {
  const taskQueue = `test-${crypto.randomUUID()}`;
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath, activities: { invokeFunction } });
  const workflowId = `wf-${crypto.randomUUID()}`;
  return worker.runUntil(async () => {
    const handle = await client.workflow.start('trainClassifier', {
      taskQueue, workflowId, args: [input],
      typedSearchAttributes: [{ key: batonSearchAttributes.pipeline, value: 'train-classifier' }],
    });
    try {
      return { result: await handle.result(), description: await handle.describe() };
    } catch (error) {
      return { error, description: await handle.describe() };
    }
  });
}

test('train-classifier calls its five steps in order and passes artifacts by reference', async () => {
  const calls: InvokeFunctionRequest[] = [];
  const { result, description } = await runWith(async (call) => {
    calls.push(call);
    return { output: fakeStepOutputs[call.step] };
  });
  assert.deepEqual(calls.map((call) => call.function), ['ingest', 'train', 'evaluate', 'register-model', 'report']);
  assert.ok(calls.every((call) => call.pipeline === 'train-classifier'));
  const trainInput = calls[1]!.input as { dataset: unknown; model: { type: string } };
  assert.deepEqual(trainInput.dataset, (fakeStepOutputs.ingest as { dataset: unknown }).dataset);
  assert.equal(trainInput.model.type, 'logistic_regression', 'defaults apply to an empty input');
  assert.deepEqual(result, {
    dataset: { name: 'breast_cancer', version: 'aaaaaaaaaaaa' },
    model: { name: 'classifier', version: 'cccccccccccc', uri: 's3://baton-artifacts/models/classifier/cccccccccccc/model.skops' },
    metrics: { accuracy: 0.97, f1: 0.96, precision: 0.97, recall: 0.96, holdoutRows: 114 },
  });
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.step), 'report');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.accuracy), 0.97, 'findable by accuracy');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.datasetVersion), 'aaaaaaaaaaaa');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.modelVersion), 'cccccccccccc');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.stage), 'staging');
  assert.deepEqual((description.memo as { metrics?: unknown }).metrics, { accuracy: 0.97, f1: 0.96, precision: 0.97, recall: 0.96, holdoutRows: 114 });
});

test('a step that fails for good fails the run with the function\'s message', async () => {
  const { error } = await runWith(async (call) => {
    if (call.step === 'train') throw ApplicationFailure.nonRetryable('function "train" rejected its input (422): bad C', 'FunctionRejectedInput');
    return { output: fakeStepOutputs[call.step] };
  });
  assert.ok(error instanceof WorkflowFailedError);
  assert.match(String(((error.cause as Error).cause as Error | undefined)?.message), /rejected its input \(422\): bad C/);
});
