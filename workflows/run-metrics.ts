/**
 * Run and step metrics from inside the workflow, handed to the worker through a Temporal sink (the worker's
 * `batonMetrics`, functions/baton/telemetry/run-metrics-sinks.ts): a sink call makes no command and the worker skips
 * it while replaying, so the workflow stays deterministic and a run is counted once however often it is replayed.
 * The worker registers this module as a workflow interceptor module; the pipelines' own code does not change.
 */
import {
  ContinueAsNew,
  isCancellation,
  proxySinks,
  TemporalFailure,
  workflowInfo,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** How a run or a step ended. */
export type Outcome = 'completed' | 'failed' | 'cancelled';

/** What the workflow reports; the worker adds the run's WorkflowInfo (its type names the pipeline). */
export interface RunMetricsSinks extends Sinks {
  batonMetrics: {
    runStarted(): void;
    runClosed(outcome: Outcome): void;
    /** A step's call ended: `seconds` in workflow time, from its scheduling to its result (retries included). */
    stepClosed(step: string, outcome: Outcome, seconds: number): void;
  };
}

const { batonMetrics } = proxySinks<RunMetricsSinks>();

/**
 * The outcome a thrown error gives: only a Temporal failure fails a run (anything else fails the workflow task,
 * which Temporal retries); continue-as-new closes nothing (the next run goes on).
 */
function outcomeOf(error: unknown): Outcome | undefined {
  if (error instanceof ContinueAsNew) return undefined;
  if (isCancellation(error)) return 'cancelled';
  return error instanceof TemporalFailure ? 'failed' : undefined;
}

class RunMetricsInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    // A run continued from an earlier one was counted when that one started.
    if (!workflowInfo().continuedFromExecutionRunId) batonMetrics.runStarted();
    try {
      const result = await next(input);
      batonMetrics.runClosed('completed');
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      if (outcome) batonMetrics.runClosed(outcome);
      throw error;
    }
  }
}

class StepMetricsOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return timedStep(input.activityType, input.args, () => next(input));
  }

  // Steps declared `local` (run-step.ts).
  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return timedStep(input.activityType, input.args, () => next(input));
  }
}

/** Counts a step call (an invokeFunction activity) and its time; other activities pass through. */
async function timedStep(activityType: string, args: unknown[], call: () => Promise<unknown>): Promise<unknown> {
  const step = activityType === 'invokeFunction' ? (args[0] as { step?: unknown }).step : undefined;
  if (typeof step !== 'string') return call();
  const start = Date.now(); // workflow time: deterministic
  try {
    const result = await call();
    batonMetrics.stepClosed(step, 'completed', (Date.now() - start) / 1000);
    return result;
  } catch (error) {
    batonMetrics.stepClosed(step, isCancellation(error) ? 'cancelled' : 'failed', (Date.now() - start) / 1000);
    throw error;
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new RunMetricsInbound()],
  outbound: [new StepMetricsOutbound()],
});
