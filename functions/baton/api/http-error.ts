import type { Context } from 'hono';
import type { ErrorIssue } from '#baton-contract';

/** The one error class of the trigger API: a status, a message, and the failing fields when known. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 500 | 503,
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

/** Hono error handler of the trigger API: HttpErrors as their status and body, anything else as a 500. */
export function answerError(error: Error, c: Context): Response {
  if (error instanceof HttpError) return c.json(error.toBody(), error.status);
  console.error('trigger API error:', error);
  return c.json(new HttpError(500, error.message).toBody(), 500);
}
