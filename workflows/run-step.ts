/**
 * How a pipeline calls a step: one `invokeFunction` activity per call, with the step's preset, its name as
 * the activity id (readable histories, stable idempotency keys) and the current step in the BatonStep
 * search attribute. A step declared `local` runs as a local activity instead (see StepDefinition.local).
 */
import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { Activities } from '../activities/index.ts';
import { batonSearchAttributes } from './search-attributes.ts';
import type { StepDefinition } from './step-definition.ts';
import { localStepOptions, stepPresets, type StepPresetName } from './step-presets.ts';

/**
 * Patch id: BatonStep is written only when the step name changes (a fan-out or a loop over one step wrote the
 * same value again, each write an event and a visibility update). Runs recorded before it write it every step.
 */
export const STEP_ATTRIBUTE_ON_CHANGE_PATCH = 'baton-step-attribute-on-change';

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
  const call = { step: step.name, function: step.function, pipeline: pipelineName(), input };
  const summary = `${id} → function ${step.function}`;
  if (step.local) {
    // A local activity's own id is a sequence number: the call id names the step in the envelope and X-Call-Id.
    const { invokeFunction } = proxyLocalActivities<Activities>({ ...localStepOptions(step.preset), summary });
    const result = await invokeFunction({ ...call, callId: id });
    return result.output as z.output<O>;
  }
  markStep(step.name);
  const { invokeFunction } = activitiesFor(step.preset, id, summary);
  const result = await invokeFunction(call);
  return result.output as z.output<O>;
}

/** Sets BatonStep to the step's name, not the call's id (`train`, not `train#2`): the scaler counts per step name. */
function markStep(name: string): void {
  if (
    patched(STEP_ATTRIBUTE_ON_CHANGE_PATCH) &&
    workflowInfo().typedSearchAttributes.get(batonSearchAttributes.step) === name
  )
    return;
  upsertSearchAttributes([{ key: batonSearchAttributes.step, value: name }]);
}

/** The pipeline's name as the trigger API set it; the workflow type when started some other way. */
function pipelineName(): string {
  const info = workflowInfo();
  return info.typedSearchAttributes.get(batonSearchAttributes.pipeline) ?? info.workflowType;
}
