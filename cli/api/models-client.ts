/** The registry routes of the trigger API (`/models`), through the gateway. */
import { callApi, type BatonApi } from './run-client.ts';
import type { ModelPolicyView, ModelSummary, ModelVersionView, ModelView, ModelStage } from '../../registry/index.ts';

import type { MonitoringView } from '../../functions/baton/api/model-monitoring.ts';

export type { ModelPolicyView, ModelSummary, ModelVersionView, ModelView, ModelStage, MonitoringView };

/** The answer to setting a policy: the policy now in force, and whether this call changed it. */
export type PolicyAnswer = ModelPolicyView & { changed: boolean };

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
export async function promoteModelVersion(
  api: BatonApi,
  name: string,
  version: string,
  body: { stage?: ModelStage; reason?: string; allowBreakingSignature?: boolean },
): Promise<PromotionAnswer> {
  return callApi<PromotionAnswer>(
    api,
    'POST',
    `/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/promote`,
    body,
  );
}

/** A model's promotion policy (`GET /models/{name}/policy`): the stored one, or the default policy (version 0). */
export async function getModelPolicy(api: BatonApi, name: string): Promise<ModelPolicyView> {
  return callApi<ModelPolicyView>(api, 'GET', `/models/${encodeURIComponent(name)}/policy`);
}

/** Sets a model's promotion policy as its next version (`PUT /models/{name}/policy`, admin). */
export async function setModelPolicy(
  api: BatonApi,
  name: string,
  body: { rules: unknown; reason?: string },
): Promise<PolicyAnswer> {
  return callApi<PolicyAnswer>(api, 'PUT', `/models/${encodeURIComponent(name)}/policy`, body);
}

/** What monitor-model found for a model (`GET /models/{name}/monitoring`): latest drift per feature, history. */
export async function getModelMonitoring(api: BatonApi, name: string): Promise<MonitoringView> {
  return callApi<MonitoringView>(api, 'GET', `/models/${encodeURIComponent(name)}/monitoring`);
}
