/**
 * The worker's activities, built from injected dependencies so tests can give fakes and the orchestrator
 * the real gateway and pool. Workflows import this module as a type only.
 */
import { createInvokeFunction, type InvokeFunctionDeps } from './invoke-function.ts';

export type ActivityDeps = InvokeFunctionDeps;

export function createActivities(deps: ActivityDeps) {
  return { invokeFunction: createInvokeFunction(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { CallbackSettings, InvokeFunctionRequest, InvokeFunctionResult } from './invoke-function.ts';
