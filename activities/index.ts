/**
 * The worker's activities, built from injected dependencies so tests can give fakes and the orchestrator
 * the real gateway, pool and registry. Workflows import this module as a type only.
 */
import { createInvokeFunction, type InvokeFunctionDeps } from './invoke-function.ts';
import { createReadModelPolicy, type ReadModelPolicyDeps } from './read-model-policy.ts';

export type ActivityDeps = InvokeFunctionDeps & ReadModelPolicyDeps;

export function createActivities(deps: ActivityDeps) {
  return { invokeFunction: createInvokeFunction(deps), readModelPolicy: createReadModelPolicy(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { CallbackSettings, InvokeFunctionRequest, InvokeFunctionResult } from './invoke-function.ts';
export type { ModelPolicyReading } from './read-model-policy.ts';
