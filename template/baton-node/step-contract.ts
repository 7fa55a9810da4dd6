/**
 * The step contract: the one schema every step function speaks, whatever its language.
 *
 * The TypeScript wrapper and the invoke-function activity import it; the Python wrapper reads
 * `template/baton-python/step_contract.schema.json`, generated from it by `npm run gen:contract`
 * (a unit test fails when the two drift apart).
 */
import { z } from 'zod';

/** Large data travels by reference only: where it is, what it hashes to, how big it is. */
export const artifactRef = z.object({
  uri: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must look like s3://bucket/key'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256'),
  size: z.number().int().nonnegative(),
});
export type ArtifactRef = z.infer<typeof artifactRef>;

/** Which run, step and attempt a call belongs to. */
export const runContext = z.object({
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  pipeline: z.string().min(1),
  step: z.string().min(1),
  attempt: z.number().int().min(1),
});
export type RunContext = z.infer<typeof runContext>;

/** Body POSTed to a step function. */
export const stepRequest = z.object({
  input: z.unknown(),
  run: runContext,
  checkpoint: artifactRef.optional(),
  progressUrl: z.string().url().optional(),
});
export type StepRequest = z.infer<typeof stepRequest>;

/** Body a step function answers with on success. */
export const stepResponse = z.object({
  output: z.unknown(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type StepResponse = z.infer<typeof stepResponse>;

/**
 * What a long step reports to `progressUrl` while it runs (POST, JSON). The orchestrator records it as the
 * activity's heartbeat details; the next attempt after a dead one receives `checkpoint` in its envelope.
 */
export const progressReport = z.object({
  /** Share of the work done, 0..1. */
  fraction: z.number().min(0).max(1),
  /** The unit of work just finished (an epoch for trainings). */
  epoch: z.number().int().nonnegative().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** The newest checkpoint; a retried attempt resumes from it. */
  checkpoint: artifactRef.optional(),
  /** Set by an attempt that resumed from a checkpoint: the epoch it resumed after. */
  resumedFromEpoch: z.number().int().nonnegative().optional(),
  message: z.string().max(500).optional(),
});
export type ProgressReport = z.infer<typeof progressReport>;

/** The orchestrator's answer to a progress report. 409 instead means: this attempt is stale, stop. */
export const progressAnswer = z.object({ cancelRequested: z.boolean() });
export type ProgressAnswer = z.infer<typeof progressAnswer>;

/** One failing field: a dotted path (`input.epochs`) and what is wrong with it. */
export const errorIssue = z.object({ path: z.string(), message: z.string() });
export type ErrorIssue = z.infer<typeof errorIssue>;

/** Body of every error answer, from step wrappers and from the trigger API alike. */
export const errorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    issues: z.array(errorIssue).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** The header that carries the idempotency key of a call (workflowId + activityId + attempt). */
export const CALL_ID_HEADER = 'X-Call-Id';

/** Turns zod issues into `{path, message}` pairs with dotted paths, optionally under a prefix. */
export function toErrorIssues(error: z.ZodError, prefix = ''): ErrorIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}

/** One issue as text: `input.epochs: must be > 0`. */
export function describeIssue(issue: ErrorIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Issues as one text, `path: message` each, joined by `separator` (`; ` for a line, `\n  ` for a list). */
export function describeIssues(issues: readonly ErrorIssue[], separator = '; '): string {
  return issues.map(describeIssue).join(separator);
}

/** A zod error as text: its issues with dotted paths (`(root)` for the value itself), optionally under a prefix. */
export function describeZodError(error: z.ZodError, options: { prefix?: string; separator?: string } = {}): string {
  return describeIssues(toErrorIssues(error, options.prefix), options.separator);
}

export { FailureType, StepErrorType } from './failure-types.ts';
