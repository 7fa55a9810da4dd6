/**
 * The system worker: a small, separate Temporal worker on Baton's system task queue that runs the scaler
 * workflow and its activities. Separate from the pipeline worker so a backlog of pipeline tasks never waits in
 * front of the scaler's own tasks.
 */
import type { Client, Connection } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createScalingActivities, type ScalingActivityDeps } from '../activities/index.ts';
import type { GatewayFunctions } from '../activities/gateway-functions.ts';
import type { StepCatalog } from '../../activities/step-catalog.ts';
import type { OrchestratorConfig } from '../../functions/baton/config.ts';
import { runWorker, type PipelineWorker } from '../../functions/baton/pipeline-worker.ts';
import { systemWorkflowCode } from '../../functions/baton/workflow-code.ts';

/** What the scaling activities use. */
export interface SystemWorkerDeps {
  client: Client;
  connection: Connection;
  /** The replica's checked worker connection, shared with the pipeline worker (the caller closes it). */
  workerConnection: NativeConnection;
  gateway: GatewayFunctions;
  steps: StepCatalog;
  /** Told every scaling decision once applied (the orchestrator's metrics). */
  onDecision?: ScalingActivityDeps['onDecision'];
}

/** Creates and runs the system worker. */
export async function startSystemWorker(config: OrchestratorConfig, deps: SystemWorkerDeps): Promise<PipelineWorker> {
  const worker = await Worker.create({
    connection: deps.workerConnection,
    namespace: config.namespace,
    taskQueue: config.systemTaskQueue,
    ...systemWorkflowCode(config),
    // The client's data converter: the scaler's inputs, results and memos are encrypted like the pipelines'.
    dataConverter: deps.client.options.dataConverter,
    activities: createScalingActivities({
      client: deps.client,
      connection: deps.connection,
      namespace: config.namespace,
      gateway: deps.gateway,
      steps: deps.steps,
      onDecision: deps.onDecision,
    }),
    // One scaler per namespace: a couple of slots are plenty, and keep this worker light in every replica.
    maxConcurrentActivityTaskExecutions: 4,
    maxConcurrentWorkflowTaskExecutions: 2,
    maxCachedWorkflows: 10,
    shutdownGraceTime: config.shutdownGraceMs,
  });
  return runWorker(worker, async () => {});
}
