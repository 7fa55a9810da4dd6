/**
 * register-model: puts a trained model in the registry (`models/<name>/<version>/`) with its metadata and lineage
 * beside it; a new version starts in staging. The version is content-derived, so a retried call registers the same
 * version, not a second one.
 */
import type { StepContext, StepResult } from '#baton-step';
import { ModelRegistry } from '../../registry/index.ts';
import { codeVersionFromEnv } from './code-version.ts';
import { type RegisterModelInput, type RegisterModelOutput } from './schema.ts';

/** Read once: a bad value stops the function at start-up, naming the key. */
const codeVersion = codeVersionFromEnv();

export async function handle(request: RegisterModelInput, ctx: StepContext): Promise<StepResult<RegisterModelOutput>> {
  const registry = new ModelRegistry(ctx.artifacts());
  const registered = await registry.register({
    name: request.modelName,
    artifact: request.model.artifact,
    format: request.model.format,
    type: request.model.type,
    params: request.model.params,
    features: request.model.features,
    classes: request.model.classes,
    target: request.model.target,
    metrics: request.evaluation.metrics,
    lineage: {
      dataset: { name: request.dataset.name, version: request.dataset.version, uri: request.dataset.data.uri },
      run: { pipeline: ctx.run.pipeline, workflowId: ctx.run.workflowId, runId: ctx.run.runId, step: ctx.run.step },
      ...(request.parameters ? { parameters: request.parameters } : {}),
      codeVersion,
      evaluationReport: request.evaluation.report.uri,
    },
    by: `run ${ctx.run.workflowId}`,
    reason: `registered by ${ctx.run.pipeline} (step ${ctx.run.step})`,
  });
  ctx.log(
    `registered ${registered.name} version ${registered.version} (${registered.created ? 'new, in staging' : `already registered, ${registered.stage}`})`,
  );
  return {
    output: {
      modelName: registered.name,
      version: registered.version,
      model: registered.model,
      metadata: registered.metadata,
      stage: registered.stage,
    },
    metrics: { modelBytes: registered.model.size },
  };
}
