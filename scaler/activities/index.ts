/**
 * The scaler's activities: `observeLoad` reads the gateway's functions and their load (Temporal's task-queue
 * backlog for the orchestrator, pending calls for step functions); `applyScaling` logs each decision with its
 * inputs and asks the gateway for the new replicas. The decision itself is the workflow's (a pure function).
 * The scaler workflow imports this module as a type only.
 */
import type { Client, Connection } from '@temporalio/client';
import type { FunctionLoad, ScalingDecision } from '../workflow/scaling-policy.ts';
import type { StepCatalog } from '../../activities/step-catalog.ts';
import type { GatewayFunctions } from './gateway-functions.ts';
import { countPendingCalls, stepsByFunction } from './pending-calls.ts';
import { scaledFunctions, type ScaledFunctionSettings } from './scaled-functions.ts';
import { readQueueStats } from './task-queue-stats.ts';

/** What the activities need, injected so tests can give fakes. */
export interface ScalingActivityDeps {
  client: Pick<Client, 'workflow'>;
  connection: Pick<Connection, 'workflowService'>;
  namespace: string;
  gateway: GatewayFunctions;
  steps: StepCatalog;
  /** Receives one JSON line per decision and per note (default: stdout). */
  log?: (line: string) => void;
  /** Told every decision once applied (the orchestrator's metrics). */
  onDecision?: (decision: ScalingDecision) => void;
}

/** What one observation covers. */
export interface ObserveLoadInput extends ScaledFunctionSettings {
  /** The pipelines' task queue (its workflow and activity halves). */
  taskQueue: string;
}

/** A scaled function's load now, with the numbers it came from. */
export interface ObservedFunction extends FunctionLoad {
  inputs: Record<string, number>;
}

export function createScalingActivities(deps: ScalingActivityDeps) {
  const log = deps.log ?? ((line: string) => console.log(line));
  const callers = stepsByFunction(deps.steps);
  return {
    /** Every scaled function with its replicas, bounds, target and load. */
    async observeLoad(input: ObserveLoadInput): Promise<ObservedFunction[]> {
      const { scaled, notes } = scaledFunctions(await deps.gateway.list(), input);
      for (const note of notes) log(JSON.stringify({ msg: 'baton-scaler note', note }));
      return Promise.all(
        scaled.map(async (fn): Promise<ObservedFunction> => {
          const base = {
            name: fn.name,
            replicas: fn.replicas,
            minReplicas: fn.minReplicas,
            maxReplicas: fn.maxReplicas,
            targetPerReplica: fn.targetPerReplica,
          };
          if (fn.kind === 'step') {
            const pendingCalls = await countPendingCalls(deps.client, input.taskQueue, callers.get(fn.name) ?? []);
            return { ...base, load: pendingCalls, inputs: { pendingCalls } };
          }
          const [workflow, activity] = await Promise.all([
            readQueueStats(deps.connection, deps.namespace, input.taskQueue, 'workflow'),
            readQueueStats(deps.connection, deps.namespace, input.taskQueue, 'activity'),
          ]);
          return {
            ...base,
            // As KEDA's Temporal scaler with queueTypes "workflow,activity": the two backlogs add up.
            load: workflow.backlog + activity.backlog,
            inputs: {
              workflowBacklog: workflow.backlog,
              workflowBacklogAgeSeconds: workflow.backlogAgeSeconds,
              workflowAddRate: workflow.addRate,
              workflowDispatchRate: workflow.dispatchRate,
              activityBacklog: activity.backlog,
              activityBacklogAgeSeconds: activity.backlogAgeSeconds,
              activityAddRate: activity.addRate,
              activityDispatchRate: activity.dispatchRate,
            },
          };
        }),
      );
    },

    /** Logs every decision (one JSON line each, with its inputs) and applies those that change replicas. */
    async applyScaling({
      decisions,
    }: {
      decisions: (ScalingDecision & { inputs?: Record<string, number> })[];
    }): Promise<void> {
      for (const decision of decisions) {
        log(JSON.stringify({ msg: 'baton-scaler decision', ...decision }));
        if (decision.to !== decision.from) await deps.gateway.scale(decision.function, decision.to);
        deps.onDecision?.(decision);
      }
    },
  };
}

export type ScalingActivities = ReturnType<typeof createScalingActivities>;
export { createGatewayFunctions, type GatewayCredentials } from './gateway-functions.ts';
