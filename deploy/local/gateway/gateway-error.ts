/**
 * The one error class of the local gateway: an HTTP status with a plain-text message (OpenFaaS answers errors as
 * text/plain) and optional extra response headers, e.g. `X-OpenFaaS-Internal: proxy` or `WWW-Authenticate`.
 * Named apart from the trigger API's TriggerApiError and the CLI client's ApiError.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}
