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

/** gRPC's UNAVAILABLE: the Temporal server is down, restarting, or cannot serve (a full disk stalls its shards). */
const GRPC_UNAVAILABLE = 14;
/** What a 503 for a dependency asks the client to wait before trying again, in seconds. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Hono error handler of the trigger API: TriggerApiErrors as their status and body; a Temporal server that is not
 * available and a full object store as a 503 that says which (the client may try again); anything else as a 500.
 * Neither says more of the cause (it may name internal addresses or data), both carry a correlation id; the log has
 * the detail.
 */
export function answerError(error: Error, c: Context): Response {
  if (error instanceof TriggerApiError) {
    if (error.status === 401) c.header('WWW-Authenticate', 'Bearer realm="baton"');
    return c.json(error.toBody(), error.status);
  }
  const correlationId = randomUUID();
  console.error(`trigger API error ${correlationId} (${c.req.method} ${c.req.path}):`, error);
  const details = `the orchestrator's log has the details under correlation id ${correlationId}`;
  const unavailable = dependencyUnavailable(error);
  if (unavailable) {
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    const body = new TriggerApiError(503, `${unavailable}; ${details}`, undefined, { correlationId }).toBody();
    return c.json(body, 503);
  }
  return c.json(new TriggerApiError(500, `internal error: ${details}`, undefined, { correlationId }).toBody(), 500);
}

/** What a 503 says when `error` (or a cause of it) shows Temporal unavailable or the storage full; else undefined. */
function dependencyUnavailable(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === GRPC_UNAVAILABLE)
      return 'Temporal is unavailable: try again shortly (when it lasts, check the Temporal server: is it running, is its disk full?)';
    if (code === 'XMinioStorageFull' || code === 'ENOSPC')
      return `the storage is full (disk full, ${code}): free space on the object store's drive, then try again`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
