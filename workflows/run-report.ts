/** The last step of a training pipeline: an HTML report of the run, stored beside its artifacts. */
import { patched, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import { runStep } from './run-step.ts';
import { report } from './steps/report.ts';
import type { evaluate } from './steps/evaluate.ts';
import type { registerModel } from './steps/register-model.ts';
import type { validateDataset } from './steps/validate-dataset.ts';
import type { PromotionOutcome } from './promotion/promote.ts';
import type { DatasetVersion, TrainedModel } from './steps/schemas.ts';
import type { ArtifactRef } from '#baton-contract';

/** Runs started before reports existed replay without the step. */
const PATCH = 'baton-report-v1';

/**
 * Renders the run's report (parameters, data checks, metrics beside production's, training curve, confusion matrix,
 * promotion, lineage). Only the step's input depends on what the run has: no Temporal command is added or removed.
 */
export async function reportRun(run: {
  pipeline: string;
  parameters: Record<string, unknown>;
  dataset: DatasetVersion;
  model: TrainedModel;
  curve?: ArtifactRef;
  evaluation: z.output<typeof evaluate.output>;
  registered: z.output<typeof registerModel.output>;
  /** Absent on runs without validate-dataset (started before it, or a pipeline without it). */
  validation?: z.output<typeof validateDataset.output> | undefined;
  /** Absent on runs without a promotion stage. */
  promotion?: PromotionOutcome | undefined;
}): Promise<void> {
  if (!patched(PATCH)) return;
  const { workflowId, namespace } = workflowInfo();
  const { evaluation, validation, promotion } = run;
  await runStep(report, {
    pipeline: run.pipeline,
    runId: workflowId,
    parameters: run.parameters,
    dataset: { name: run.dataset.name, version: run.dataset.version, uri: run.dataset.data.uri },
    model: {
      name: run.registered.modelName,
      version: run.registered.version,
      uri: run.registered.model.uri,
      type: run.model.type,
      params: run.model.params,
    },
    evaluation: {
      metrics: evaluation.metrics,
      confusionMatrix: evaluation.confusionMatrix,
      labels: evaluation.labels,
      ...(evaluation.production !== undefined ? { production: evaluation.production } : {}),
    },
    ...(run.curve ? { curve: run.curve } : {}),
    ...(validation
      ? { validation: { status: validation.status, issues: validation.issues, report: validation.report } }
      : {}),
    ...(promotion
      ? {
          promotion: {
            promoted: promotion.promoted,
            modelName: promotion.modelName,
            version: promotion.version,
            reasons: promotion.reasons,
            ...(promotion.approval ? { approval: promotion.approval } : {}),
            ...(promotion.previousProduction !== undefined ? { previousProduction: promotion.previousProduction } : {}),
            ...(promotion.policy?.version !== undefined ? { policyVersion: promotion.policy.version } : {}),
            ...(promotion.policy?.notApplied ? { notApplied: promotion.policy.notApplied } : {}),
          },
        }
      : {}),
    temporalUiPath: `/namespaces/${namespace}/workflows/${workflowId}`,
  });
}
