/**
 * The one error class of the local gateway: an HTTP status with a plain-text message (OpenFaaS answers errors
 * as text/plain) and optional extra response headers, e.g. `X-OpenFaaS-Internal: proxy` or `WWW-Authenticate`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
