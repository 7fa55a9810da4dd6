import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ErrorIssue } from '#baton-contract';

/**
 * The one error class of the trigger API: a status, a message, and the failing fields when known. Named apart from
 * the local gateway's GatewayError and the CLI client's ApiError.
 */
export class TriggerApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500 | 503,
    message: string,
    readonly issues?: ErrorIssue[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TriggerApiError';
  }

  /** The `{error: {...}}` body. */
  toBody(): { error: Record<string, unknown> } {
    return { error: { message: this.message, ...(this.issues ? { issues: this.issues } : {}), ...this.extra } };
  }
}

/**
 * Hono error handler of the trigger API: TriggerApiErrors as their status and body, anything else as a 500 that says
 * nothing of the cause (it may name internal addresses or data) but carries a correlation id; the log has the detail.
 */
export function answerError(error: Error, c: Context): Response {
  if (error instanceof TriggerApiError) {
    if (error.status === 401) c.header('WWW-Authenticate', 'Bearer realm="baton"');
    return c.json(error.toBody(), error.status);
  }
  const correlationId = randomUUID();
  console.error(`trigger API error ${correlationId} (${c.req.method} ${c.req.path}):`, error);
  const message = `internal error: the orchestrator's log has the details under correlation id ${correlationId}`;
  return c.json(new TriggerApiError(500, message, undefined, { correlationId }).toBody(), 500);
}
