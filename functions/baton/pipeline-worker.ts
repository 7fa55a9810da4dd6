import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type CallbackSettings } from '../../activities/index.ts';
import type { StepCatalog } from '../../activities/step-catalog.ts';
import { createFunctionCallPool } from '../../activities/http-pool.ts';
import type { OrchestratorConfig } from './config.ts';

/** A running Temporal worker for Baton's pipelines, and how to stop it. */
export interface PipelineWorker {
  state(): string;
  /** Stops polling, lets running tasks finish, and closes connections. */
  stop(): Promise<void>;
  /** Settles when the worker stops, rejecting if it crashed. */
  done: Promise<void>;
}

/** Creates and runs the worker: bundles the workflows, wires the activities to the gateway. */
export async function startPipelineWorker(config: OrchestratorConfig, steps: StepCatalog, callbacks: CallbackSettings): Promise<PipelineWorker> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const pool = createFunctionCallPool();
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowsPath: `${config.workflowsDir}/index.ts`,
    activities: createActivities({ gatewayUrl: config.gatewayUrl, steps, dispatcher: pool, callbacks }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
    // Cancellation reaches an activity only with a heartbeat's answer: send them often enough that
    // cancelling a run stops its step within about a second.
    defaultHeartbeatThrottleInterval: '1s',
    maxHeartbeatThrottleInterval: '1s',
  });
  const done = worker.run().finally(async () => {
    await connection.close();
    await pool.close();
  });
  return {
    state: () => worker.getState(),
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
