import type { ErrorIssue } from './step-contract.ts';

/**
 * Thrown by a handler when its input cannot be processed: answered 422, and never retried.
 * `path` is relative to the input (`epochs`, `model.params.C`); the wrapper prefixes it with `input.`.
 */
export class StepInputError extends Error {
  readonly issues: ErrorIssue[];

  constructor(message: string, issues: ErrorIssue[] | { path: string } = []) {
    super(message);
    this.name = 'StepInputError';
    this.issues = Array.isArray(issues) ? issues : [{ path: issues.path, message }];
  }
}

/**
 * Thrown by a handler when something it depends on is unavailable for now: answered 503 (with
 * `Retry-After` when given), which the orchestrator retries with backoff.
 */
export class StepUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'StepUnavailableError';
  }
}
