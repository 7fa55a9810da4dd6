/** Input and output of http-resource (the generic function wrapping an external HTTP resource). Pure zod: pipelines import it too. */
import { z } from 'zod';
import { artifactRef } from '#baton-contract';

/** Names between slashes start with a letter, digit or "_": no "." or ".." segment, no absolute name. */
const NAME_SEGMENT = '[A-Za-z0-9_][A-Za-z0-9._-]*';
const artifactName = z
  .string()
  .max(200)
  .regex(
    new RegExp(`^${NAME_SEGMENT}(/${NAME_SEGMENT})*$`),
    'use letters, digits, ".", "_", "-" and "/" between names (like "source.csv"), no "." or ".." segment',
  );

export const httpResourceInput = z
  .object({
    /** Path relative to the function's RESOURCE_BASE_URL (no `..`, no `//host`, no query: use `query`). */
    path: z.string().min(1).optional(),
    /** An absolute http(s) URL instead of `path`; its host must be in RESOURCE_ALLOWED_HOSTS. */
    url: z.string().min(1).optional(),
    /** Query parameters added to the URL. */
    query: z.record(z.string(), z.string()).optional(),
    /** A JSON body, sent when the function's RESOURCE_METHOD is POST. */
    body: z.unknown().optional(),
    /** Name of the stored response under the run's keys (`runs/<workflowId>/<step>/<saveAs>`). */
    saveAs: artifactName.default('response'),
  })
  .strict()
  .refine((input) => input.path === undefined || input.url === undefined, {
    message: 'give either path or url, not both',
    path: ['url'],
  });
export type HttpResourceInput = z.output<typeof httpResourceInput>;

export const httpResourceOutput = z.object({
  /** The resource's HTTP status (2xx: anything else is an error of the step). */
  status: z.number().int(),
  /** The response's Content-Type (`application/octet-stream` when it sent none). */
  contentType: z.string(),
  /** The URL finally answered (after same-host redirects), without its query string. */
  url: z.string(),
  /** The response body, stored by reference. */
  artifact: artifactRef,
});
export type HttpResourceOutput = z.output<typeof httpResourceOutput>;

/**
 * A probe of the resource (a data-change watch asks it): which version of the resource is there now, without
 * storing it. `path`, `url` and `query` as for a fetch.
 */
export const httpResourceProbeInput = z
  .object({
    probe: z.literal(true).describe('Answer the version of the resource only; store nothing.'),
    path: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    query: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .refine((input) => input.path === undefined || input.url === undefined, {
    message: 'give either path or url, not both',
    path: ['url'],
  });
export type HttpResourceProbeInput = z.output<typeof httpResourceProbeInput>;

/** Where a version string comes from: the resource's ETag, its Last-Modified date, or the body's sha256. */
export const VERSION_BASES = ['etag', 'last-modified', 'sha256'] as const;

export const httpResourceProbeOutput = z.object({
  /** Changes when the resource changes: `etag:"…"`, `last-modified:<date>` or `sha256:<hex>`. */
  version: z.string().min(1).max(300),
  basis: z.enum(VERSION_BASES),
  /** The URL finally answered, without its query string. */
  url: z.string(),
});
export type HttpResourceProbeOutput = z.output<typeof httpResourceProbeOutput>;
