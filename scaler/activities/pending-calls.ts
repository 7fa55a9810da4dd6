/**
 * Pending calls per step function, counted in Temporal's visibility: running runs whose `BatonStep` search
 * attribute names a step of that function are waiting for it or in it. Nothing here depends on the gateway,
 * so it counts the same against the local gateway and a real OpenFaaS one.
 */
import type { Client } from '@temporalio/client';
import type { StepCatalog } from '../../activities/step-catalog.ts';

/** The step names that call each function, from the step catalog. */
export function stepsByFunction(steps: StepCatalog): Map<string, string[]> {
  const byFunction = new Map<string, string[]>();
  for (const step of steps.values())
    byFunction.set(step.function, [...(byFunction.get(step.function) ?? []), step.name]);
  return byFunction;
}

/** The visibility query for running runs of `taskQueue` at one of `stepNames`. */
export function pendingCallsQuery(taskQueue: string, stepNames: readonly string[]): string {
  const quoted = stepNames.map((name) => `'${name.replaceAll("'", "\\'")}'`).join(', ');
  return `ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replaceAll("'", "\\'")}' AND BatonStep IN (${quoted})`;
}

/** How many runs wait for or are in a call to `fn` now (0 for a function no step calls). */
export async function countPendingCalls(
  client: Pick<Client, 'workflow'>,
  taskQueue: string,
  stepNames: readonly string[],
): Promise<number> {
  if (stepNames.length === 0) return 0;
  const { count } = await client.workflow.count(pendingCallsQuery(taskQueue, stepNames));
  return count;
}
