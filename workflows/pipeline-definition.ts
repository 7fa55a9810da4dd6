import type { z } from 'zod';
import type { StepDefinition } from './step-definition.ts';

/**
 * What the trigger API knows of a pipeline: its name, the workflow that runs it, its input schema (every
 * field has a default, so `{}` is a valid input), named examples and the steps it calls, in order.
 */
export interface PipelineDefinition<I extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The exported workflow function's name. */
  workflowType: string;
  input: I;
  examples: { default: z.input<I> } & Record<string, z.input<I>>;
  /** The steps every run plans, in order (a run view shows the ones not reached yet as pending). */
  steps: StepDefinition[];
  /** Steps only some inputs run, such as one data source's: callable, but not planned for every run. */
  alternativeSteps?: StepDefinition[];
}

/** Every step a pipeline may call: planned ones, then alternatives. */
export function allSteps(pipeline: PipelineDefinition): StepDefinition[] {
  return [...pipeline.steps, ...(pipeline.alternativeSteps ?? [])];
}

/** Declares a pipeline, keeping its input type. */
export function definePipeline<I extends z.ZodType>(pipeline: PipelineDefinition<I>): PipelineDefinition<I> {
  return pipeline;
}
