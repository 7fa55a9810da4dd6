/**
 * How a pipeline calls a step: one `invokeFunction` activity per call, with the step's preset, its name as
 * the activity id (readable histories, stable idempotency keys) and the current step in the BatonStep
 * search attribute.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities/index.ts';
import { batonSearchAttributes } from './search-attributes.ts';
import type { StepDefinition } from './step-definition.ts';
import { stepPresets, type StepPresetName } from './step-presets.ts';

function activitiesFor(preset: StepPresetName, activityId: string, summary: string): Activities {
  // proxyActivities fixes its options; the id and summary differ per call, so build a proxy per call.
  return proxyActivities<Activities>({ ...stepPresets[preset], activityId, summary });
}

/** Options of one step call. */
export interface RunStepOptions {
  /** Activity id when a step runs more than once in a run (fan-out): e.g. `train#2`. */
  id?: string;
}

/** Runs one step and returns its typed output. Input is checked against the step's schema before the call. */
export async function runStep<I extends z.ZodType, O extends z.ZodType>(
  step: StepDefinition<I, O>,
  input: z.input<I>,
  options: RunStepOptions = {},
): Promise<z.output<O>> {
  const id = options.id ?? step.name;
  // The step's name, not the call's id (`train`, not `train#2`): the scaler counts pending calls per step name.
  upsertSearchAttributes([{ key: batonSearchAttributes.step, value: step.name }]);
  const { invokeFunction } = activitiesFor(step.preset, id, `${id} → function ${step.function}`);
  const result = await invokeFunction({ step: step.name, function: step.function, pipeline: pipelineName(), input });
  return result.output as z.output<O>;
}

/** The pipeline's name as the trigger API set it; the workflow type when started some other way. */
function pipelineName(): string {
  const info = workflowInfo();
  return info.typedSearchAttributes.get(batonSearchAttributes.pipeline) ?? info.workflowType;
}
