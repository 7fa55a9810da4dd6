/** The model registry in the artifact bucket: one object over the reading, registering and staging functions. */
import type { PromotionPolicyInput } from '../workflows/promotion/policy.ts';
import type { ModelStage } from './layout.ts';
import { readPolicy, writePolicy, type ModelPolicyView, type PolicyChangeRequest } from './policy.ts';
import {
  readModel,
  readModelList,
  readModelVersion,
  type ModelSummary,
  type ModelVersionView,
  type ModelView,
} from './read.ts';
import { registerVersion, type Registration, type RegistrationRequest } from './register.ts';
import { changeStage, type StageChangeResult, type StageRequest } from './stages.ts';
import type { RegistryStore } from './store.ts';

/** Options of a registry; `now` is for tests. */
export interface ModelRegistryOptions {
  now?: () => Date;
}

export class ModelRegistry {
  private readonly now: () => Date;

  constructor(
    private readonly store: RegistryStore,
    options: ModelRegistryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every model with its production and latest version, by name. */
  listModels(): Promise<ModelSummary[]> {
    return readModelList(this.store);
  }

  /** A model's versions (newest first) with stage, metrics, params and lineage; ModelNotFoundError when unknown. */
  getModel(name: string): Promise<ModelView> {
    return readModel(this.store, name);
  }

  /** One version; ModelNotFoundError or ModelVersionNotFoundError when unknown. */
  getVersion(name: string, version: string): Promise<ModelVersionView> {
    return readModelVersion(this.store, name, version);
  }

  /** Registers a model file as a version (content-derived), in staging when new; idempotent. */
  register(request: RegistrationRequest): Promise<Registration> {
    return registerVersion(this.store, request, this.now);
  }

  /**
   * Moves a version to `stage`. To production: the previous production version is archived and production.json
   * names this one. Out of production: production.json is removed. The same stage again changes nothing.
   */
  setStage(name: string, version: string, stage: ModelStage, request: StageRequest): Promise<StageChangeResult> {
    return changeStage(this.store, name, version, stage, request, this.now);
  }

  /** The model's promotion policy: the stored one, or the default policy (version 0) when none is stored. */
  getPolicy(name: string): Promise<ModelPolicyView> {
    return readPolicy(this.store, name);
  }

  /** Sets the model's promotion policy as its next version (the same rules again change nothing). */
  setPolicy(
    name: string,
    rules: PromotionPolicyInput,
    request: PolicyChangeRequest,
  ): Promise<{ policy: ModelPolicyView; changed: boolean }> {
    return writePolicy(this.store, name, rules, request, this.now);
  }
}
