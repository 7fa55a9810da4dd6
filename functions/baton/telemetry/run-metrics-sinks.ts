/**
 * The worker's side of workflows/run-metrics.ts: the `batonMetrics` sink, recording what the workflows report in
 * BatonMetrics. Only pipelines and steps of the catalog are recorded, so no workflow can add a label value.
 */
import type { InjectedSinks } from '@temporalio/worker';
import { promoteModel } from '../../../workflows/steps/promote-model.ts';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import type { RunMetricsSinks } from '../../../workflows/run-metrics.ts';
import type { StepCatalog } from '../../../activities/step-catalog.ts';
import type { BatonMetrics } from './metrics.ts';

/** Sinks recording into `metrics`; never called while a workflow replays (Temporal's default). */
export function runMetricsSinks(
  metrics: BatonMetrics,
  pipelines: readonly PipelineDefinition[],
  steps: StepCatalog,
): InjectedSinks<RunMetricsSinks> {
  const pipelineOf = new Map(pipelines.map((pipeline) => [pipeline.workflowType, pipeline.name]));
  return {
    batonMetrics: {
      runStarted: {
        fn: (info) => {
          const pipeline = pipelineOf.get(info.workflowType);
          if (pipeline) metrics.runStarted(pipeline);
        },
      },
      runClosed: {
        fn: (info, outcome) => {
          const pipeline = pipelineOf.get(info.workflowType);
          if (pipeline) metrics.runClosed(pipeline, outcome);
        },
      },
      stepClosed: {
        fn: (info, step, outcome, seconds) => {
          const pipeline = pipelineOf.get(info.workflowType);
          if (!pipeline || !steps.has(step)) return;
          metrics.stepClosed(pipeline, step, outcome, seconds);
          if (step === promoteModel.name && outcome === 'completed') metrics.promoted('run', pipeline);
        },
      },
    },
  };
}
