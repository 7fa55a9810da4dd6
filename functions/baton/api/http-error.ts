import type { ErrorIssue } from '#baton-contract';

/** The one error class of the trigger API: a status, a message, and the failing fields when known. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 500 | 503,
    message: string,
    readonly issues?: ErrorIssue[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** The `{error: {...}}` body. */
  toBody(): { error: Record<string, unknown> } {
    return { error: { message: this.message, ...(this.issues ? { issues: this.issues } : {}), ...this.extra } };
  }
}
