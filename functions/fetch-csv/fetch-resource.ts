/**
 * Requests the resource with undici, following redirects by hand (at most MAX_REDIRECTS, same host only: see
 * target-url.ts) and classifying the answer once: 2xx is the resource; 4xx is the caller's problem (422, not
 * retried); 408, 429, 5xx, timeouts and connection errors are passing trouble (503, retried with backoff).
 */
import { Agent, request, type Dispatcher } from 'undici';
import { StepInputError, StepUnavailableError } from '#baton-step';
import type { ResourceConfig, ResourceMethod } from './config.ts';
import { redirectTarget, shown } from './target-url.ts';

/** Redirects followed before giving up (the fetch standard's limit is 20; a data server needs far fewer). */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** 4xx answers that mean "try again later" rather than "this request is wrong". */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 425, 429]);

/** A 2xx answer whose body has not been read yet. */
export interface OpenedResource {
  status: number;
  contentType: string;
  /** Announced body size, when the resource sent Content-Length. */
  contentLength: number | undefined;
  /** The URL that answered (after redirects). */
  url: URL;
  redirects: number;
  /** The validators the resource sent (what a probe's version comes from), when it sent them. */
  etag: string | undefined;
  lastModified: string | undefined;
  body: Dispatcher.ResponseData['body'];
}

/** One call's request: where, how, with which headers and body. */
export interface ResourceRequest {
  url: URL;
  method: ResourceMethod;
  headers: Record<string, string>;
  /** The auth header, sent only to `origin` (the base URL's): never to another allowed host, nor over a downgrade. */
  credentials?: { origin: string; headers: Record<string, string> };
  /** A JSON text, sent with `Content-Type: application/json`. */
  body?: string;
  /** The input field refusals and 4xx answers are reported on. */
  field: string;
  /** Called for each redirect followed (for the log). */
  onRedirect?: (from: URL, to: URL, status: number) => void;
}

/** The connection pool of a function: connect, answer and body-silence timeouts all RESOURCE_TIMEOUT. */
export function createResourceAgent(config: Pick<ResourceConfig, 'timeoutMs'>): Agent {
  return new Agent({
    connectTimeout: config.timeoutMs,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
}

/** Sends the request and follows allowed redirects; answers the first 2xx response, or throws a classified error. */
export async function openResource(
  config: ResourceConfig,
  dispatcher: Dispatcher,
  call: ResourceRequest,
): Promise<OpenedResource> {
  let { url, method, body } = call;
  for (let redirects = 0; ; redirects++) {
    const headers = {
      ...call.headers,
      ...(call.credentials && url.origin === call.credentials.origin ? call.credentials.headers : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method, headers, body, dispatcher });
    } catch (error) {
      throw unreachable(url, error);
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      const length = Number(header(response.headers, 'content-length'));
      return {
        status,
        contentType: header(response.headers, 'content-type') || 'application/octet-stream',
        contentLength:
          header(response.headers, 'content-length') !== undefined && Number.isSafeInteger(length) && length >= 0
            ? length
            : undefined,
        url,
        redirects,
        etag: header(response.headers, 'etag'),
        lastModified: header(response.headers, 'last-modified'),
        body: response.body,
      };
    }
    await response.body.dump().catch(() => {}); // frees the connection; the body of a non-2xx answer is never kept
    if (REDIRECT_STATUSES.has(status)) {
      const location = header(response.headers, 'location');
      if (!location)
        throw new StepInputError(`${shown(url)} answered ${status} without a Location header`, { path: call.field });
      if (redirects >= MAX_REDIRECTS)
        throw new StepInputError(`${shown(call.url)} redirected more than ${MAX_REDIRECTS} times`, {
          path: call.field,
        });
      const next = redirectTarget(config, url, location, call.field);
      call.onRedirect?.(url, next, status);
      // As browsers and undici's redirect handler do: 303 always, and 301/302 after a POST, continue with a GET.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      url = next;
      continue;
    }
    if (status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status)) {
      throw new StepUnavailableError(
        `${shown(url)} answered ${status}: the resource is unavailable for now`,
        retryAfterSeconds(header(response.headers, 'retry-after')),
      );
    }
    // The body is not quoted: a resource's error page may echo what it was sent, credentials included.
    throw new StepInputError(
      `${shown(url)} answered ${status}${status === 401 || status === 403 ? ' (check the secret named by RESOURCE_AUTH_SECRET)' : ''}`,
      { path: call.field },
    );
  }
}

/** A thrown request error as a retryable one, naming the URL and the error code (never the request's headers). */
export function unreachable(url: URL, error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'UND_ERR_INVALID_ARG')
    return new Error(
      `the request to ${shown(url)} could not be built: check RESOURCE_AUTH_HEADER, RESOURCE_AUTH_SCHEME and the secret's value`,
    );
  const timedOut =
    code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  const what = timedOut ? 'did not answer within RESOURCE_TIMEOUT' : 'could not be reached';
  return new StepUnavailableError(`${shown(url)} ${what}${code ? ` (${code})` : ''}: ${(error as Error).message}`);
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function retryAfterSeconds(value: string | undefined): number | undefined {
  return value && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
