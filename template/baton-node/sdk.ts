/**
 * What a TypeScript step handler imports: `import { StepInputError, type StepHandler } from '#baton-step'`.
 * The `#baton-step` alias resolves here in the repository and in the function image alike.
 */
import type { ZodType } from 'zod';
import type { StepContext } from './step-context.ts';

export { StepInputError, StepUnavailableError } from './errors.ts';
export { StepCancelledError, type ProgressUpdate } from './progress.ts';
export type { Checkpoints, StepContext } from './step-context.ts';
export type { ArtifactRef, RunContext } from './step-contract.ts';
export { artifactRef, describeIssue, describeIssues, describeZodError, toErrorIssues } from './step-contract.ts';
export { sha256 } from './artifacts.ts';
export { parseDuration } from './duration.ts';

/** What a handler returns: its output, and optional numeric metrics. */
export interface StepResult<O = unknown> {
  output: O;
  metrics?: Record<string, number>;
}

/** The module a function's `handler.ts` is: an optional input schema, and `handle`. */
export interface StepHandlerModule<I = unknown, O = unknown> {
  /**
   * The input schema the server validates with (422 naming the field). Handlers do not export it: `serveStep` sets
   * it from the function's step declaration in workflows/steps/.
   */
  input?: ZodType<I>;
  handle(input: I, ctx: StepContext): Promise<StepResult<O>>;
}
