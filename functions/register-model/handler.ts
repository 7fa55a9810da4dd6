/**
 * register-model: puts a trained model under `models/<name>/<version>/` with its metadata and lineage
 * beside it. The version is content-derived, so a retried call registers the same version, not a second one.
 */
import type { StepContext, StepResult } from '#baton-step';
import { registerModelInput, type RegisterModelInput, type RegisterModelOutput } from './schema.ts';

export const input = registerModelInput;

export async function handle(request: RegisterModelInput, ctx: StepContext): Promise<StepResult<RegisterModelOutput>> {
  const store = ctx.artifacts();
  const version = request.model.artifact.sha256.slice(0, 12);
  const prefix = `models/${request.modelName}/${version}`;
  const model = await store.copy(request.model.artifact, `${prefix}/model.skops`);
  const metadataKey = `${prefix}/model.json`;
  const existing = await store.exists(metadataKey);
  const metadata = existing
    ? await store.ref(metadataKey)
    : await store.putJson(metadataKey, {
      name: request.modelName,
      version,
      registeredAt: new Date().toISOString(),
      model: { uri: model.uri, sha256: model.sha256, size: model.size, format: request.model.format, type: request.model.type },
      params: request.model.params,
      features: request.model.features,
      classes: request.model.classes,
      metrics: request.evaluation.metrics,
      lineage: {
        dataset: { name: request.dataset.name, version: request.dataset.version, uri: request.dataset.data.uri },
        run: { pipeline: ctx.run.pipeline, workflowId: ctx.run.workflowId, runId: ctx.run.runId, step: ctx.run.step },
        trainedArtifact: request.model.artifact.uri,
        evaluationReport: request.evaluation.report.uri,
      },
    });
  ctx.log(`registered ${request.modelName} version ${version}${existing ? ' (already registered)' : ''}`);
  return { output: { modelName: request.modelName, version, model, metadata }, metrics: { modelBytes: model.size } };
}
