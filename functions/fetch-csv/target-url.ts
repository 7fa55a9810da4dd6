/**
 * The SSRF guard: which URLs an http-resource function may request. Only http and https; only hosts of the
 * allow-list (RESOURCE_ALLOWED_HOSTS); a `path` stays under the base URL; a redirect is followed only to the same
 * host (and never from https down to http); a `url` never downgrades the base URL's host to http. Every refusal
 * is the caller's problem (422, not retried) and says which host was refused and which setting would change that.
 */
import { StepInputError } from '#baton-step';
import { formatAllowedHost, isAllowedHost } from './allowed-hosts.ts';
import type { ResourceConfig } from './config.ts';

/** What a call asks for: a path under the base URL, or an absolute URL, plus query parameters. */
export interface TargetRequest {
  path?: string;
  url?: string;
  query?: Record<string, string>;
}

/** The input field a refusal is reported on. */
export function targetField(request: TargetRequest): 'url' | 'path' {
  return request.url !== undefined ? 'url' : 'path';
}

/** The URL to request first; throws StepInputError (naming the field) when the guard refuses it. */
export function resolveTarget(config: ResourceConfig, request: TargetRequest): URL {
  const target =
    request.url !== undefined ? absoluteTarget(config, request.url) : pathTarget(config.baseUrl, request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) target.searchParams.append(name, value);
  return target;
}

/**
 * Where a redirect from `from` may go: `location` resolved against it, if it is http(s), on the same host, allowed,
 * and no downgrade from https. `field` is the input field the refusal is reported on.
 */
export function redirectTarget(config: ResourceConfig, from: URL, location: string, field: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new StepInputError(`${shown(from)} redirected to an invalid location`, { path: field });
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new StepInputError(
      `${shown(from)} redirected to a ${to.protocol.slice(0, -1)}: URL; only http and https are followed`,
      { path: field },
    );
  }
  if (to.host !== from.host) {
    // host and port: another port is another service
    throw new StepInputError(
      `${shown(from)} redirected to another host, ${to.host}: redirects are followed only on the same host. ` +
        `To fetch from ${to.host}, add it to RESOURCE_ALLOWED_HOSTS and pass the URL as "url".`,
      { path: field },
    );
  }
  if (from.protocol === 'https:' && to.protocol === 'http:') {
    throw new StepInputError(
      `${shown(from)} redirected from https to http (${shown(to)}): a downgrade is never followed`,
      { path: field },
    );
  }
  if (to.username || to.password)
    throw new StepInputError(`${shown(from)} redirected to a URL with a user or password`, { path: field });
  checkAllowed(config, to, field, 'redirect target');
  to.hash = '';
  return to;
}

/** A URL as logs and messages show it: no user info, query or fragment (they may carry tokens). */
export function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function absoluteTarget(config: ResourceConfig, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StepInputError('url must be an absolute http(s) URL (use "path" for one relative to the resource)', {
      path: 'url',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StepInputError(`url must use http or https, not ${url.protocol.slice(0, -1)}`, { path: 'url' });
  }
  if (url.username || url.password) {
    throw new StepInputError('url must not carry a user or password: the function sends its own credentials', {
      path: 'url',
    });
  }
  if (config.baseUrl.protocol === 'https:' && url.protocol === 'http:' && url.hostname === config.baseUrl.hostname) {
    throw new StepInputError(`url downgrades ${url.hostname} from https (RESOURCE_BASE_URL) to plain http: use https`, {
      path: 'url',
    });
  }
  checkAllowed(config, url, 'url', 'host');
  url.hash = '';
  return url;
}

function checkAllowed(config: ResourceConfig, url: URL, field: string, what: string): void {
  if (isAllowedHost(url, config.allowedHosts)) return;
  const allowed = config.allowedHosts.map(formatAllowedHost).join(', ');
  throw new StepInputError(
    `${what} ${url.host} is not allowed: this function may call only ${allowed}. To allow it, add it to RESOURCE_ALLOWED_HOSTS.`,
    { path: field },
  );
}

/** Characters a path never needs and that could make a URL parser leave the base: `\` `?` `#`, spaces, controls. */
const hasUnsafePathChar = (path: string) =>
  /[\\?#\s]/.test(path) || [...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

/** `path` appended to the base URL; refuses anything that could leave it. */
function pathTarget(base: URL, path: string | undefined): URL {
  if (path === undefined) return new URL(base);
  const refuse = (why: string) => new StepInputError(`path ${JSON.stringify(path)} ${why}`, { path: 'path' });
  if (path.startsWith('//'))
    throw refuse('is scheme-relative (//host): give a path under the resource, or an allowed "url"');
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) throw refuse('has a scheme: pass absolute URLs as "url"');
  if (hasUnsafePathChar(path))
    throw refuse(
      'contains a character a path does not need (\\, ?, #, space or a control character); pass query parameters as "query"',
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw refuse('has an invalid %-escape');
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..'))
    throw refuse('must not contain "." or ".." segments');
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  // Built by concatenation, not by resolving a relative reference: nothing in `path` can change the scheme or host.
  const url = new URL(`${base.protocol}//${base.host}${prefix}${path.replace(/^\/+/, '')}`);
  if (url.origin !== base.origin || !url.pathname.startsWith(prefix)) throw refuse("leaves the resource's base URL");
  return url;
}
