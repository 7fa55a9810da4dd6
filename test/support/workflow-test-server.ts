/**
 * Workflow tests with fake activities on a real Temporal dev server, started the way the local stack starts it
 * (Baton's search attributes registered). Every run records the invoke activity's calls and checks that each
 * called step is one its pipeline declares.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ensureTools } from '../../deploy/tools/tools.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import { startTemporalServer, type TemporalServer } from '../../deploy/local/temporal-server.ts';
import type { InvokeFunctionRequest, ModelPolicyReading } from '../../activities/index.ts';
import { promotionPolicy } from '../../workflows/promotion/policy.ts';
import { batonSearchAttributes } from '../../workflows/search-attributes.ts';
import type { PipelineDefinition } from '../../workflows/pipeline-definition.ts';
import { assertCallsDeclared, type RecordedStepCall } from './declared-steps.ts';

/** The fake invoke activity: answers a step call as the function would (`{output}`), or throws. */
export type FakeInvoke = (call: InvokeFunctionRequest) => Promise<unknown>;

/** Variations of one run. */
export interface RunOptions {
  /** Called once the run started, before its result is awaited (send updates, signals, queries). */
  whileRunning?: (handle: WorkflowHandle) => Promise<void>;
  /** What the registry holds as the model's policy (default: none, so the default policy, version 0). */
  readModelPolicy?: (request: { modelName: string }) => Promise<ModelPolicyReading>;
  memo?: Record<string, unknown>;
}

/** A run's outcome: its result or error, its description, and the steps it called. */
export interface RunOutcome {
  result?: unknown;
  error?: unknown;
  description: Awaited<ReturnType<WorkflowHandle['describe']>>;
  stepCalls: RecordedStepCall[];
}

export interface WorkflowTestServer {
  /** Runs `pipeline`'s workflow with `input` on a fresh task queue, the steps answered by `invoke`. */
  run(pipeline: PipelineDefinition, input: unknown, invoke: FakeInvoke, options?: RunOptions): Promise<RunOutcome>;
  stop(): Promise<void>;
  /** The server's client and the workers' connection, for tests that run their own worker. */
  client: Client;
  nativeConnection: NativeConnection;
}

/** Starts the server; `workflowsPath` is the bundle entry (default: Baton's workflows/index.ts). */
export async function startWorkflowTestServer(
  workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
): Promise<WorkflowTestServer> {
  const tools = await ensureTools();
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-workflow-test-'));
  let server: TemporalServer | undefined;
  let nativeConnection: NativeConnection | undefined;
  let connection: Connection | undefined;
  const stop = async () => {
    await nativeConnection?.close();
    await connection?.close();
    await server?.process.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dataDir, 'logs'));
    // A generous readiness wait, as a busy CI machine may need it.
    server = await startTemporalServer({
      binary: tools.temporal,
      dataDir,
      port: await allocatePort(),
      uiPort: await allocatePort(),
    });
    nativeConnection = await NativeConnection.connect({ address: server.address });
    connection = await Connection.connect({ address: server.address });
  } catch (error) {
    await stop();
    throw error;
  }
  const client = new Client({ connection });
  const worker = nativeConnection;

  async function run(
    pipeline: PipelineDefinition,
    input: unknown,
    invoke: FakeInvoke,
    options: RunOptions = {},
  ): Promise<RunOutcome> {
    const taskQueue = `test-${crypto.randomUUID()}`;
    const readModelPolicy = options.readModelPolicy ?? (async () => ({ version: 0, rules: promotionPolicy.parse({}) }));
    const stepCalls: RecordedStepCall[] = [];
    const recordingInvoke = (call: InvokeFunctionRequest) => {
      // A run this one started on the same queue (a child pipeline) calls its own pipeline's steps.
      if (call.pipeline === pipeline.name) stepCalls.push({ step: call.step, function: call.function });
      return invoke(call);
    };
    const activities = { invokeFunction: recordingInvoke, readModelPolicy };
    const running = await Worker.create({ connection: worker, taskQueue, workflowsPath, activities });
    const outcome = await running.runUntil(async () => {
      const handle = await client.workflow.start(pipeline.workflowType, {
        taskQueue,
        workflowId: `wf-${crypto.randomUUID()}`,
        args: [input],
        ...(options.memo ? { memo: options.memo } : {}),
        typedSearchAttributes: [{ key: batonSearchAttributes.pipeline, value: pipeline.name }],
      });
      await options.whileRunning?.(handle);
      try {
        return { result: await handle.result(), description: await handle.describe() };
      } catch (error) {
        return { error, description: await handle.describe() };
      }
    });
    // Every run checks that the steps its workflow calls are the ones its pipeline declares.
    assertCallsDeclared(pipeline, stepCalls);
    return { ...outcome, stepCalls };
  }

  return { run, stop, client, nativeConnection: worker };
}
