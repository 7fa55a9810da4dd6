/**
 * Settings of an http-resource function, read once from its environment (stack.yml `environment`). Errors name
 * every wrong key and what it should be; the auth secret is named here, its value is read per call.
 */
import { z } from 'zod';
import { describeIssue, parseDuration, toErrorIssues } from '#baton-step';
import { formatAllowedHost, hostOf, isAllowedHost, parseAllowedHosts, type AllowedHost } from './allowed-hosts.ts';

/** Methods the function may use: it fetches a resource (GET) or asks for one with a JSON body (POST). */
export const RESOURCE_METHODS = ['GET', 'POST'] as const;
export type ResourceMethod = (typeof RESOURCE_METHODS)[number];

/** The function's settings. */
export interface ResourceConfig {
  /** `path` inputs are appended to it. */
  baseUrl: URL;
  /** Hosts `url` inputs and same-host redirects may reach (default: the base URL's host and port). */
  allowedHosts: AllowedHost[];
  method: ResourceMethod;
  /** How long the resource may take to accept the connection and to answer, and the longest silence while it sends. */
  timeoutMs: number;
  /** Largest response body stored; a larger one is refused (422). */
  maxBytes: number;
  /** A header carrying a secret (e.g. `Authorization: Bearer <secret>`), or none. */
  auth: ResourceAuth | undefined;
}

/** Where the auth header's value comes from: the secret *name* (a file in the secrets folder), never the value. */
export interface ResourceAuth {
  header: string;
  secret: string;
  /** Put before the secret with a space, e.g. `Bearer`. */
  scheme: string | undefined;
}

export const DEFAULT_TIMEOUT = '30s';
export const DEFAULT_MAX_BYTES = '1GiB';

/** Units finer than a millisecond make no sense for a network timeout. */
const RESOURCE_TIMEOUT_UNITS = ['ms', 's', 'm', 'h'] as const;
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers undici or the protocol own: sending a secret in them would break the request, or be no auth at all. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/** Parses `30s`, `1m30s`, `500ms` or whole seconds (`30`), like the watchdog's timeouts; milliseconds. */
export function parseTimeout(value: string): number | undefined {
  return parseDuration(value, { units: RESOURCE_TIMEOUT_UNITS });
}

/** Parses `1048576`, `100MiB`, `2GB` (`KB`/`MB`/`GB` are powers of 1000, `KiB`/`MiB`/`GiB` of 1024); bytes. */
export function parseByteSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(value);
  if (!match) return undefined;
  const factor = BYTE_UNITS[(match[2] ?? 'b').toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Empty values count as unset: `RESOURCE_AUTH_SCHEME: ""` in stack.yml means no scheme. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const httpUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `must be an http(s) URL like https://data.example.com/files/, got "${value}"`,
    });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    ctx.addIssue({ code: 'custom', message: `must use http or https, not ${url.protocol.slice(0, -1)}` });
  if (url.username || url.password)
    ctx.addIssue({
      code: 'custom',
      message: 'must not carry a user or password: use RESOURCE_AUTH_HEADER and RESOURCE_AUTH_SECRET',
    });
  if (url.search || url.hash)
    ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment: callers pass `query`' });
  return url;
});

const allowedHosts = z.string().transform((value, ctx) => {
  try {
    const hosts = parseAllowedHosts(value);
    if (hosts.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: 'lists no host: give host or host:port entries separated by commas, or leave it unset',
      });
    return hosts;
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `${(error as Error).message}; give host or host:port entries separated by commas`,
    });
    return z.NEVER;
  }
});

const schema = z
  .object({
    RESOURCE_BASE_URL: z
      .string({ error: 'is required: the http(s) URL of the resource, e.g. https://data.example.com/files/' })
      .min(1, 'is required')
      .pipe(httpUrl),
    RESOURCE_ALLOWED_HOSTS: optional(allowedHosts),
    RESOURCE_METHOD: optional(
      z
        .string()
        .transform((value) => value.toUpperCase())
        .pipe(z.enum(RESOURCE_METHODS, { error: `must be one of ${RESOURCE_METHODS.join(', ')}` })),
    ),
    RESOURCE_TIMEOUT: optional(z.string()),
    RESOURCE_MAX_BYTES: optional(z.string()),
    RESOURCE_AUTH_HEADER: optional(
      z
        .string()
        .regex(HEADER_NAME, 'must be an HTTP header name, e.g. Authorization')
        .refine(
          (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
          'must not be a header HTTP itself sets (Host, Content-Length, ...)',
        ),
    ),
    RESOURCE_AUTH_SECRET: optional(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be the name of a secret (a file name), not its value'),
    ),
    RESOURCE_AUTH_SCHEME: optional(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be one word, e.g. Bearer')),
  })
  .superRefine((env, ctx) => {
    const timeout = parseTimeout(env.RESOURCE_TIMEOUT ?? DEFAULT_TIMEOUT);
    if (timeout === undefined || timeout <= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_TIMEOUT'],
        message: `must be a duration like "30s" or "1m30s", got "${env.RESOURCE_TIMEOUT}"`,
      });
    const maxBytes = parseByteSize(env.RESOURCE_MAX_BYTES ?? DEFAULT_MAX_BYTES);
    if (maxBytes === undefined || maxBytes <= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_MAX_BYTES'],
        message: `must be a size like "1048576", "100MiB" or "1GB", got "${env.RESOURCE_MAX_BYTES}"`,
      });
    if (env.RESOURCE_AUTH_HEADER && !env.RESOURCE_AUTH_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_AUTH_SECRET'],
        message: 'is required with RESOURCE_AUTH_HEADER: the name of the secret whose value is sent in it',
      });
    if (env.RESOURCE_AUTH_SECRET && !env.RESOURCE_AUTH_HEADER)
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_AUTH_HEADER'],
        message: 'is required with RESOURCE_AUTH_SECRET: the header its value is sent in, e.g. Authorization',
      });
    if (env.RESOURCE_AUTH_SCHEME && !env.RESOURCE_AUTH_HEADER)
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_AUTH_SCHEME'],
        message: 'needs RESOURCE_AUTH_HEADER and RESOURCE_AUTH_SECRET',
      });
    if (env.RESOURCE_ALLOWED_HOSTS && !isAllowedHost(env.RESOURCE_BASE_URL, env.RESOURCE_ALLOWED_HOSTS)) {
      ctx.addIssue({
        code: 'custom',
        path: ['RESOURCE_ALLOWED_HOSTS'],
        message: `must include the host of RESOURCE_BASE_URL (${formatAllowedHost(hostOf(env.RESOURCE_BASE_URL))})`,
      });
    }
  });

/** Reads the settings from `env`; the error lists every wrong key (values of secrets are never read here). */
export function resourceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ResourceConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = toErrorIssues(parsed.error).map(describeIssue);
    throw new Error(`http-resource configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    baseUrl: e.RESOURCE_BASE_URL,
    allowedHosts: e.RESOURCE_ALLOWED_HOSTS ?? [hostOf(e.RESOURCE_BASE_URL)],
    method: e.RESOURCE_METHOD ?? 'GET',
    timeoutMs: parseTimeout(e.RESOURCE_TIMEOUT ?? DEFAULT_TIMEOUT)!,
    maxBytes: parseByteSize(e.RESOURCE_MAX_BYTES ?? DEFAULT_MAX_BYTES)!,
    auth:
      e.RESOURCE_AUTH_HEADER && e.RESOURCE_AUTH_SECRET
        ? { header: e.RESOURCE_AUTH_HEADER, secret: e.RESOURCE_AUTH_SECRET, scheme: e.RESOURCE_AUTH_SCHEME }
        : undefined,
  };
}
