/** The registry routes of the trigger API (`/models`), through the gateway. */
import { callApi, type BatonApi } from '../deploy/local/run-client.ts';
import type { ModelSummary, ModelVersionView, ModelView, ModelStage } from '../activities/registry/index.ts';

export type { ModelSummary, ModelVersionView, ModelView, ModelStage };

/** The answer to a promotion. */
export interface PromotionAnswer {
  modelName: string;
  version: string;
  stage: ModelStage;
  /** The version that left production by this call (the replaced one, or the demoted one itself); null when none. */
  previousProduction: string | null;
  changed: boolean;
}

/** Every model with its production and latest version (`GET /models`). */
export async function listModels(api: BatonApi): Promise<ModelSummary[]> {
  return (await callApi<{ models: ModelSummary[] }>(api, 'GET', '/models')).models;
}

/** A model's versions with stages, metrics and lineage (`GET /models/{name}`); ApiError 404 when unknown. */
export async function getModel(api: BatonApi, name: string): Promise<ModelView> {
  return callApi<ModelView>(api, 'GET', `/models/${encodeURIComponent(name)}`);
}

/** Moves a version to a stage (`POST /models/{name}/versions/{version}/promote`). */
export async function promoteModelVersion(api: BatonApi, name: string, version: string, body: { stage?: ModelStage; reason?: string }): Promise<PromotionAnswer> {
  return callApi<PromotionAnswer>(api, 'POST', `/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/promote`, body);
}
