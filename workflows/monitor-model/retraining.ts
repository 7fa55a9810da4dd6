/**
 * Drift → retraining: the monitor starts the model's training pipeline again, with the parameters the production
 * version was trained with (its registry lineage), so the source is read again and the latest data is used. The
 * model's promotion rules then decide as in any run.
 *
 * Started as a child workflow with ParentClosePolicy ABANDON rather than through an activity and a client: the start
 * is a command in the monitor's history (replayed, never done twice), needs no client or credentials in the worker,
 * links parent and child in the Temporal UI, and the abandoned child outlives the monitor run, which ends at once
 * (a schedule's next monitor run does not wait for a training). "At most one running" is Temporal's own guarantee:
 * the child's workflow id is derived from the model (`drift-retraining-<model>`), so a second start while one runs
 * fails with WorkflowExecutionAlreadyStartedError and is reported, not retried; once it has closed the id is free.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { PipelineDefinition } from '../pipeline-definition.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { trainClassifierPipeline } from '../train-classifier/definition.ts';
import { trainClassifierResumablePipeline } from '../train-classifier-resumable/definition.ts';
import { tuneClassifierPipeline } from '../tune-classifier/definition.ts';

/** The pipelines a drift may rerun: the ones that register models. */
const retrainable: readonly PipelineDefinition[] = [
  trainClassifierPipeline,
  trainClassifierResumablePipeline,
  tuneClassifierPipeline,
];

/** What a monitor run did about retraining. */
export type RetrainingOutcome =
  | { started: true; workflowId: string; runId: string; pipeline: string }
  | { started: false; reason: string; workflowId?: string };

/** The id of the drift-triggered retraining of `modelName`: one at a time per model. */
export function driftRetrainingId(modelName: string): string {
  return `drift-retraining-${modelName}`;
}

/** Starts the retraining `recipe` describes (pipeline and parameters from the registry), unless one is running. */
export async function startDriftRetraining(
  modelName: string,
  recipe: { pipeline: string; parameters: Record<string, unknown> } | null,
): Promise<RetrainingOutcome> {
  if (!recipe)
    return {
      started: false,
      reason: `the production version of ${modelName} records no training parameters (registered before lineage kept them): retrain it by hand`,
    };
  const pipeline = retrainable.find((candidate) => candidate.name === recipe.pipeline);
  if (!pipeline)
    return {
      started: false,
      reason: `the production version was trained by pipeline "${recipe.pipeline}", which is not one of ${retrainable.map((p) => p.name).join(', ')}`,
    };
  const input = pipeline.input.safeParse(recipe.parameters);
  if (!input.success)
    return {
      started: false,
      reason: `the recorded parameters no longer fit pipeline ${pipeline.name}'s input: ${input.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    };
  const workflowId = driftRetrainingId(modelName);
  const parent = workflowInfo();
  try {
    const child = await startChild(pipeline.workflowType, {
      workflowId,
      args: [input.data],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // The same memo and attributes as a run started through the API: its starter is the monitor's.
      memo: { input: input.data, ...(parent.memo?.startedBy ? { startedBy: parent.memo.startedBy } : {}) },
      typedSearchAttributes: [
        { key: batonSearchAttributes.pipeline, value: pipeline.name },
        { key: batonSearchAttributes.trigger, value: 'drift' },
      ],
    });
    return { started: true, workflowId, runId: child.firstExecutionRunId, pipeline: pipeline.name };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { started: false, workflowId, reason: `a drift-triggered retraining of ${modelName} is already running` };
    throw error;
  }
}
