/**
 * Limits on every request to the trigger API, checked before a route reads anything: a body over its cap is a 413
 * (read no further, nothing kept), a body that is not JSON is a 415, and a state-changing request sent by a web page
 * of another origin is a 403 (a page must not make a signed-in browser act on Baton).
 */
import type { MiddlewareHandler } from 'hono';
import { cappedBody } from './body-cap.ts';
import { TriggerApiError } from './trigger-api-error.ts';

/** The trigger API's request limits (configuration: BATON_MAX_BODY_BYTES, BATON_MAX_CALLBACK_BYTES, BATON_ALLOWED_ORIGINS). */
export interface RequestLimits {
  /** Largest request body of the API's own routes. */
  maxBodyBytes: number;
  /** Largest function answer: a long step's callback or progress report, or a synchronous step's answer. */
  maxCallbackBytes: number;
  /** Origins (scheme://host[:port]) whose pages may send state-changing requests; requests without Origin pass. */
  allowedOrigins: readonly string[];
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Callbacks and progress reports come from the gateway with the function's own content type. */
const fromFunctions = (path: string) => /^\/(callbacks|progress)\//.test(path);
/** Routes that cap their bodies themselves (the codec server takes the UI's batches of payloads: codec-routes.ts). */
const ownBodyCap = (path: string) => path.startsWith('/codec/');

/** The middleware enforcing `limits` on every route. */
export function requestLimits(limits: RequestLimits): MiddlewareHandler {
  const allowed = new Set(limits.allowedOrigins);
  const capped = (max: number) =>
    cappedBody(
      max,
      () =>
        new TriggerApiError(
          413,
          `request body is larger than ${max} bytes: send less (the limit is a setting of the orchestrator)`,
        ),
    );
  const apiBodies = capped(limits.maxBodyBytes);
  const callbackBodies = capped(limits.maxCallbackBytes);
  return async (c, next) => {
    const { method, path } = c.req;
    const origin = c.req.header('origin');
    if (STATE_CHANGING.has(method) && origin !== undefined && !allowed.has(origin)) {
      throw new TriggerApiError(
        403,
        `requests from pages of ${origin} are not accepted: add the origin to BATON_ALLOWED_ORIGINS to allow them`,
      );
    }
    if (fromFunctions(path)) return callbackBodies(c, next);
    const type = c.req.header('content-type');
    if (hasBody(c.req.raw) && !isJson(type)) {
      throw new TriggerApiError(
        415,
        `request body must be JSON: send it with Content-Type: application/json${type ? `, not ${type.split(';')[0]}` : ''}`,
      );
    }
    return ownBodyCap(path) ? next() : apiBodies(c, next);
  };
}

/**
 * Whether the request carries a body: by its length or chunked encoding, or, without a length, by a declared type
 * (a bodiless POST such as `/runs/{id}/cancel` has none of these; a `Content-Length: 0` one carries nothing).
 */
function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  if (length !== null) return length !== '0';
  return request.headers.has('transfer-encoding') || request.headers.has('content-type');
}

function isJson(type: string | undefined): boolean {
  const media = type?.split(';')[0]?.trim().toLowerCase();
  return media === 'application/json' || (media !== undefined && /^application\/[\w.+-]+\+json$/.test(media));
}
