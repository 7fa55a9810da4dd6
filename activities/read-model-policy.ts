/**
 * The activity through which a pipeline reads a model's promotion policy at promotion time (the registry lives in
 * the artifact bucket; workflow code cannot reach it). A malformed policy document fails for good, naming its key
 * and field: retrying would not fix it, an admin's `PUT /models/{name}/policy` does.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '#baton-contract';
import type { PromotionPolicy } from '../workflows/promotion/policy.ts';
import { RegistryDocumentError, RegistryNotFoundError, type ModelRegistry } from '../registry/index.ts';

/** What the activity needs: the registry, created on first use. */
export interface ReadModelPolicyDeps {
  modelPolicies: () => Pick<ModelRegistry, 'getPolicy'>;
}

/** The policy in force for a model: `version` 0 is the default policy (none stored). */
export interface ModelPolicyReading {
  version: number;
  rules: PromotionPolicy;
}

export function createReadModelPolicy(deps: ReadModelPolicyDeps) {
  return async function readModelPolicy(request: { modelName: string }): Promise<ModelPolicyReading> {
    try {
      const policy = await deps.modelPolicies().getPolicy(request.modelName);
      return { version: policy.version, rules: policy.rules };
    } catch (error) {
      if (error instanceof RegistryDocumentError)
        throw ApplicationFailure.nonRetryable(error.message, FailureType.ModelPolicyInvalid);
      if (error instanceof RegistryNotFoundError)
        throw ApplicationFailure.nonRetryable(error.message, FailureType.ModelNameInvalid);
      throw error;
    }
  };
}
