/**
 * The attributes of the invoke activity's client span (`call <function>`): which function, step, run and attempt.
 * Never the signature, the callback URL or any other header: they are credentials or lead to one.
 */
import type { Attributes } from '@opentelemetry/api';
import type { RunContext } from '#baton-contract';

export function callSpanAttributes(call: { function: string; step: string }, run: RunContext): Attributes {
  return {
    'faas.invoked_name': call.function,
    'baton.step': call.step,
    'baton.pipeline': run.pipeline,
    'baton.run.id': run.workflowId,
    'baton.run.temporal_run_id': run.runId,
    'baton.attempt': run.attempt,
  };
}
