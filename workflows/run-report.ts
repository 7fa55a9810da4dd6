/** The last step of a training pipeline: an HTML report of the run, stored beside its artifacts. */
import { patched, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import { runStep } from './run-step.ts';
import { report } from './steps/report.ts';
import type { evaluate } from './steps/evaluate.ts';
import type { registerModel } from './steps/register-model.ts';
import type { DatasetVersion, TrainedModel } from './steps/schemas.ts';
import type { ArtifactRef } from '#baton-contract';

/** Runs started before reports existed replay without the step. */
const PATCH = 'baton-report-v1';

/** Renders the run's report (parameters, metrics, training curve, confusion matrix, lineage). */
export async function reportRun(run: {
  pipeline: string;
  parameters: Record<string, unknown>;
  dataset: DatasetVersion;
  model: TrainedModel;
  curve?: ArtifactRef;
  evaluation: z.output<typeof evaluate.output>;
  registered: z.output<typeof registerModel.output>;
}): Promise<void> {
  if (!patched(PATCH)) return;
  const { workflowId, namespace } = workflowInfo();
  await runStep(report, {
    pipeline: run.pipeline,
    runId: workflowId,
    parameters: run.parameters,
    dataset: { name: run.dataset.name, version: run.dataset.version, uri: run.dataset.data.uri },
    model: { name: run.registered.modelName, version: run.registered.version, uri: run.registered.model.uri, type: run.model.type, params: run.model.params },
    evaluation: { metrics: run.evaluation.metrics, confusionMatrix: run.evaluation.confusionMatrix, labels: run.evaluation.labels },
    ...(run.curve ? { curve: run.curve } : {}),
    temporalUiPath: `/namespaces/${namespace}/workflows/${workflowId}`,
  });
}
