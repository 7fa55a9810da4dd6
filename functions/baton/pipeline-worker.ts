import type { DataConverter } from '@temporalio/common';
import { Worker, type InjectedSinks, type NativeConnection } from '@temporalio/worker';
import { createActivities, type CallbackSettings } from '../../activities/index.ts';
import type { StepCatalog } from '../../activities/step-catalog.ts';
import { createFunctionCallPool } from '../../activities/http-pool.ts';
import { ModelRegistry } from '../../registry/index.ts';
import { ArtifactStore, artifactStoreConfigFromEnv } from '../../template/baton-node/artifacts.ts';
import type { OrchestratorConfig } from './config.ts';
import type { RunMetricsSinks } from '../../workflows/run-metrics.ts';
import { PIPELINE_INTERCEPTOR_MODULES, pipelineWorkflowCode } from './workflow-code.ts';
import type { TemporalTracing } from './telemetry/tracing.ts';

/** A running Temporal worker for Baton's pipelines, and how to stop it. */
export interface PipelineWorker {
  state(): string;
  /**
   * Stops polling, lets running activities finish within the shutdown grace (then cancels them: Temporal retries
   * them elsewhere), and closes connections. Workflow tasks in hand are finished or handed back.
   */
  stop(): Promise<void>;
  /** Settles when the worker stops, rejecting if it crashed. */
  done: Promise<void>;
}

/**
 * Creates and runs the worker: loads (or bundles) the workflows, wires the activities to the gateway (signing each
 * step call with a key derived from `signingKey`) and the model registry, encodes payloads with `dataConverter`,
 * traces with `tracing`'s interceptors.
 */
export async function startPipelineWorker(
  config: OrchestratorConfig,
  connection: NativeConnection,
  steps: StepCatalog,
  callbacks: CallbackSettings,
  signingKey: string,
  dataConverter: DataConverter,
  /** Where the workflows' run and step metrics go (telemetry/run-metrics-sinks.ts). */
  sinks: InjectedSinks<RunMetricsSinks>,
  tracing?: TemporalTracing,
): Promise<PipelineWorker> {
  const pool = createFunctionCallPool();
  // The orchestrator's own storage user reads models/ (stack.yml); made on first use, like the API's registry.
  let registry: ModelRegistry | undefined;
  const modelPolicies = () => (registry ??= new ModelRegistry(new ArtifactStore(artifactStoreConfigFromEnv())));
  const code = pipelineWorkflowCode(config);
  const traced = tracing?.worker(code);
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...code,
    interceptors: {
      ...traced?.interceptors, // OpenTelemetry's activity interceptors
      // Run metrics, and tracing's when on; a prebuilt bundle has them already (the worker ignores these then).
      workflowModules: [...PIPELINE_INTERCEPTOR_MODULES, ...(traced?.interceptors?.workflowModules ?? [])],
    },
    sinks: { ...traced?.sinks, ...sinks },
    dataConverter,
    activities: createActivities({
      gatewayUrl: config.gatewayUrl,
      steps,
      dispatcher: pool,
      callbacks,
      signingKey,
      modelPolicies,
      maxAnswerBytes: config.limits.maxCallbackBytes,
    }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
    // On SIGTERM: stop polling at once, let running activities finish for this long, then cancel them so
    // Temporal retries them on another replica (see stop()).
    shutdownGraceTime: config.shutdownGraceMs,
    // Cancellation reaches an activity only with a heartbeat's answer: send them often enough that
    // cancelling a run stops its step within about a second.
    defaultHeartbeatThrottleInterval: '1s',
    maxHeartbeatThrottleInterval: '1s',
  });
  return runWorker(worker, () => pool.close());
}

/** Runs `worker` until it stops, then `cleanUp` (closing what it alone used); the handle stops it gracefully. */
export function runWorker(worker: Worker, cleanUp: () => Promise<void>): PipelineWorker {
  const done = worker.run().finally(cleanUp);
  return {
    state: () => worker.getState(),
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
