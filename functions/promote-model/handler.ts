/**
 * promote-model: moves a registered version to a stage (production by default). Promoting archives the version
 * that was in production; the same call again changes nothing, so Temporal may retry it safely.
 */
import { StepInputError, StepUnavailableError, type StepContext, type StepResult } from '#baton-step';
import {
  ModelRegistry,
  ModelVersionNotFoundError,
  RegistryConflictError,
  RegistryNotFoundError,
} from '../../registry/index.ts';
import type { z } from 'zod';
import type { promoteModelInput, PromoteModelOutput } from './schema.ts';

export async function handle(
  request: z.output<typeof promoteModelInput>,
  ctx: StepContext,
): Promise<StepResult<PromoteModelOutput>> {
  const registry = new ModelRegistry(ctx.artifacts());
  const by = request.by ?? `run ${ctx.run.workflowId}`;
  let result;
  try {
    result = await registry.setStage(request.modelName, request.version, request.stage, { by, reason: request.reason });
  } catch (error) {
    // An unknown model or version is the caller's mistake: 422, not retried.
    if (error instanceof RegistryNotFoundError)
      throw new StepInputError(error.message, {
        path: error instanceof ModelVersionNotFoundError ? 'version' : 'modelName',
      });
    // Other writers kept changing the same document: worth another attempt a little later.
    if (error instanceof RegistryConflictError) throw new StepUnavailableError(error.message, 1);
    throw error;
  }
  ctx.log(
    `${request.modelName} ${request.version} → ${result.stage}${result.changed ? '' : ' (already)'}${result.previousProduction && result.previousProduction !== request.version ? `; ${result.previousProduction} archived` : ''}`,
  );
  return {
    output: {
      modelName: result.name,
      version: result.version,
      stage: result.stage,
      previousProduction: result.previousProduction,
    },
  };
}
