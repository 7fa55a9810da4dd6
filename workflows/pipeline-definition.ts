import type { z } from 'zod';
import type { StepDefinition } from './step-definition.ts';

/** A workflow function, as the bundle entry (`workflows/index.ts`) exports it. */
export type WorkflowFunction = (...args: never[]) => Promise<unknown>;

/**
 * What the trigger API knows of a pipeline: its name, the workflow that runs it, its input schema (every
 * field has a default, so `{}` is a valid input), named examples and the steps it calls, in order.
 */
export interface PipelineDefinition<I extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The workflow function that runs the pipeline. */
  workflow: WorkflowFunction;
  /** The Temporal workflow type: the workflow function's name, which is its export name in the bundle entry. */
  workflowType: string;
  input: I;
  examples: { default: z.input<I> } & Record<string, z.input<I>>;
  /** The steps every run plans, in order (a run view shows the ones not reached yet as pending). */
  steps: StepDefinition[];
  /** Steps only some inputs run, such as one data source's: callable, but not planned for every run. */
  alternativeSteps?: StepDefinition[];
}

/** What `definePipeline` takes: the workflow function itself, typed against the input schema; no type name. */
export type PipelineDeclaration<I extends z.ZodType> = Omit<PipelineDefinition<I>, 'workflow' | 'workflowType'> & {
  workflow: (input: z.input<I>) => Promise<unknown>;
};

/** Every step a pipeline may call: planned ones, then alternatives. */
export function allSteps(pipeline: PipelineDefinition): StepDefinition[] {
  return [...pipeline.steps, ...(pipeline.alternativeSteps ?? [])];
}

/**
 * Declares a pipeline, keeping its input type. The workflow type is the workflow function's name: the bundle
 * entry exports the function under that name (a test checks it), so the two cannot drift apart.
 */
export function definePipeline<I extends z.ZodType>(pipeline: PipelineDeclaration<I>): PipelineDefinition<I> {
  const workflowType = pipeline.workflow.name;
  if (!workflowType)
    throw new Error(
      `pipeline ${pipeline.name}: \`workflow\` must be a named function (its name is the workflow type); pass the exported workflow function, not an arrow function`,
    );
  return { ...pipeline, workflowType };
}
