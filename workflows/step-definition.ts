import { z } from 'zod';
import type { StepPresetName } from './step-presets.ts';

/**
 * A typed step: which function it calls, what it takes and gives (zod schemas checked by the invoke
 * activity on both sides of the call), and which timeout/retry preset applies.
 */
export interface StepDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** Unique among all steps the worker knows; also the step's activity id in a run. */
  name: string;
  /** The OpenFaaS function that does the work; `defineStep` defaults it to the step's name. */
  function: string;
  description: string;
  input: I;
  output: O;
  preset: StepPresetName;
  /**
   * `async` for long steps: called through the gateway's async route, reporting progress and checkpoints, and
   * completed by the function's callback. Default `sync`: the HTTP answer is the result.
   */
  mode?: 'sync' | 'async';
}

/** What `defineStep` takes: a step whose function has its name may leave `function` out. */
export type StepDeclaration<I extends z.ZodType, O extends z.ZodType> = Omit<StepDefinition<I, O>, 'function'> & {
  function?: string;
};

/**
 * Declares a step; keeps the schema types so pipelines get typed inputs and outputs. The function called is the
 * step's name unless `function` says otherwise (a step that calls a shared or wrapping function).
 */
export function defineStep<I extends z.ZodType, O extends z.ZodType>(
  step: StepDeclaration<I, O>,
): StepDefinition<I, O> {
  return { ...step, function: step.function ?? step.name };
}

/** What a step gives back, as its output schema describes it. */
export type StepOutput<S> = S extends StepDefinition<z.ZodType, infer O> ? z.output<O> : never;

/**
 * What one function takes and gives when several steps call it (a function's main step and its `probe-*` step): its
 * declarations merged, the input and output each the union of theirs (one alone is itself). The function checks
 * its input against this (its step.schema.json is generated from it); the invoke activity still checks each call
 * against the one step it is. Undefined when no declaration calls `functionName`.
 */
export function functionDeclaration(
  functionName: string,
  declarations: readonly StepDefinition[],
): StepDefinition | undefined {
  const calling = declarations.filter((step) => step.function === functionName);
  const [first, ...others] = calling;
  if (!first || others.length === 0) return first;
  const inputs = calling.map((step) => step.input) as [z.ZodType, z.ZodType, ...z.ZodType[]];
  const outputs = calling.map((step) => step.output) as [z.ZodType, z.ZodType, ...z.ZodType[]];
  return {
    ...first,
    name: calling.map((step) => step.name).join(' | '),
    description: calling.map((step) => `${step.name}: ${step.description}`).join('\n'),
    input: unionOf(inputs),
    output: unionOf(outputs),
  };
}

function unionOf(schemas: [z.ZodType, z.ZodType, ...z.ZodType[]]): z.ZodType {
  return z.union(schemas);
}
