import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '#baton-contract';

/**
 * Failure classification of a step call, decided here once (docs/design.md, "The step contract"):
 * 400/404/422 and other 4xx → not retryable; 429 and 503 with Retry-After → retry after it; 5xx, 504 and connection
 * errors → retryable with the preset's backoff. A 5xx that says a disk is full (507, MinIO's XMinioStorageFull, ENOSPC)
 * is retried too (space may be freed meanwhile), under a type and a message of its own: "function failed (500)" with
 * an S3 error code deep in its text does not tell an operator to free disk space.
 */

/** What the invoke activity should do with a function's non-2xx answer. */
export interface CallFailure {
  retryable: boolean;
  /** The ApplicationFailure type: stable, for retry policies and for people filtering failures. */
  type: string;
  message: string;
  /** When the function asked to be called again later (429 or 503 with Retry-After). */
  retryAfterMs?: number;
}

/** Longest excerpt of a function's error body repeated in a failure message. */
const MAX_DETAIL_CHARS = 500;

/** Classifies a non-2xx HTTP answer of a function. */
export function classifyHttpFailure(
  fn: string,
  status: number,
  retryAfter: string | undefined,
  body: string,
  now = Date.now(),
): CallFailure {
  const detail = errorDetail(body);
  const said = detail ? `: ${detail}` : '';
  if (status === 429) {
    return {
      retryable: true,
      type: FailureType.FunctionRateLimited,
      message: `function "${fn}" is busy (429)${said}`,
      retryAfterMs: parseRetryAfter(retryAfter, now),
    };
  }
  if (status === 404)
    return {
      retryable: false,
      type: FailureType.FunctionNotFound,
      message: `function "${fn}" was not found (404)${said}`,
    };
  if (status === 400 || status === 422) {
    return {
      retryable: false,
      type: FailureType.FunctionRejectedInput,
      message: `function "${fn}" rejected its input (${status})${said}`,
    };
  }
  const full = status >= 500 ? storageFullMarker(status, body) : undefined;
  if (full) {
    // The templates' 507 says "the storage is full: <cause>"; the cause is what is left to repeat.
    const cause = detail.replace(/^the storage is full: /, '');
    return {
      retryable: true,
      type: FailureType.StorageFull,
      message: `function "${fn}" failed (${status}): the storage is full (disk full, ${full}); free space on the object store's drive (local stack: the data folder's disk); retries and new runs succeed once there is room${cause ? `: ${cause}` : ''}`,
    };
  }
  if (status === 504)
    return { retryable: true, type: FailureType.FunctionTimeout, message: `function "${fn}" timed out (504)${said}` };
  if (status >= 500) {
    // A step's StepUnavailableError (503) may say when to come back; other 5xx take the preset's backoff.
    const retryAfterMs = status === 503 ? parseRetryAfter(retryAfter, now) : undefined;
    return {
      retryable: true,
      type: FailureType.FunctionUnavailable,
      message: `function "${fn}" failed (${status})${said}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return {
    retryable: false,
    type: FailureType.FunctionRejectedCall,
    message: `function "${fn}" refused the call (${status})${said}`,
  };
}

/** Classifies an error thrown before any answer arrived (refused connection, reset socket...). */
export function classifyConnectionError(fn: string, error: unknown): CallFailure {
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  return {
    retryable: true,
    type: FailureType.FunctionUnreachable,
    message: `function "${fn}" could not be reached${code ? ` (${code})` : ''}: ${text}`,
  };
}

/**
 * What shows that a function failed on a full disk: 507 Insufficient Storage, MinIO's error code (its text: "Storage
 * backend has reached its minimum free drive threshold"), or a local write's ENOSPC ("No space left on device").
 */
const STORAGE_FULL_SIGNS: [RegExp, string][] = [
  [/XMinioStorageFull|minimum free drive threshold/, 'XMinioStorageFull'],
  [/\bENOSPC\b|No space left on device/, 'ENOSPC'],
  [/\bEDQUOT\b|Disk quota exceeded/, 'EDQUOT'],
];

/** The name of the sign that `body` (or the status) shows a full disk, if any. */
function storageFullMarker(status: number, body: string): string | undefined {
  for (const [sign, name] of STORAGE_FULL_SIGNS) if (sign.test(body)) return name;
  return status === 507 ? '507 Insufficient Storage' : undefined;
}

/** Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The message of a `{error: {message, issues}}` body, or the start of a plain one. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; issues?: { path: string; message: string }[] } };
    const message = parsed.error?.message;
    if (typeof message === 'string') {
      const issues = parsed.error?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      return truncate(issues ? `${message} (${issues})` : message);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return truncate(body.trim());
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}

/** The Temporal failure for a classified call failure. */
export function toApplicationFailure(failure: CallFailure): ApplicationFailure {
  return ApplicationFailure.create({
    message: failure.message,
    type: failure.type,
    nonRetryable: !failure.retryable,
    ...(failure.retryAfterMs !== undefined ? { nextRetryDelay: failure.retryAfterMs } : {}),
  });
}
