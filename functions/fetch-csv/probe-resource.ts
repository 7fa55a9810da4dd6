/**
 * A probe of an http-resource function: which version of the resource is there now, for a data-change watch.
 * One GET through the same SSRF guard, redirects and credentials as a fetch; the version is the resource's ETag,
 * else its Last-Modified date (the body is then left unread), else the sha256 of its body (streamed, capped by
 * RESOURCE_MAX_BYTES, never stored). A probe writes nothing: it needs no storage rights.
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { StepInputError, type StepResult } from '#baton-step';
import type { ResourceConfig } from './config.ts';
import { createResourceAgent, openResource, unreachable, type OpenedResource } from './fetch-resource.ts';
import { authHeader, type ResourceContext } from './resource-step.ts';
import type { HttpResourceProbeInput, HttpResourceProbeOutput } from './schema.ts';
import { resolveTarget, shown, targetField } from './target-url.ts';

/** A version string longer than this (an odd server's ETag) is replaced by its sha256, to fit the output's bound. */
const MAX_VALIDATOR_LENGTH = 256;

/** The probe handler of one configured function; `dispatcher` as for the fetch handler. */
export function createProbeHandler(config: ResourceConfig, dispatcher: Dispatcher = createResourceAgent(config)) {
  return async function probe(
    input: HttpResourceProbeInput,
    ctx: Pick<ResourceContext, 'secret' | 'log'>,
  ): Promise<StepResult<HttpResourceProbeOutput>> {
    const field = targetField(input);
    if (config.method !== 'GET') {
      // A POST resource is a question asked of a service: asking it to see whether it changed may change it.
      throw new StepInputError(
        `this function sends ${config.method} requests; only a GET resource can be probed (RESOURCE_METHOD=GET)`,
        { path: 'probe' },
      );
    }
    const resource = await openResource(config, dispatcher, {
      url: resolveTarget(config, input),
      method: 'GET',
      headers: { accept: '*/*', 'user-agent': 'baton-http-resource' },
      credentials: config.auth && {
        origin: config.baseUrl.origin,
        headers: authHeader(config.auth, ctx.secret(config.auth.secret)),
      },
      field,
    });
    const { version, basis } = await versionOf(resource, config.maxBytes, field);
    ctx.log(`probed ${shown(resource.url)} → ${basis} ${version}`);
    return { output: { version, basis, url: shown(resource.url) } };
  };
}

/** The resource's version: from its validators when it sent one, else from its body. */
async function versionOf(
  resource: OpenedResource,
  maxBytes: number,
  field: string,
): Promise<Pick<HttpResourceProbeOutput, 'version' | 'basis'>> {
  try {
    // A weak ETag (W/"…") still changes with the content it stands for: good enough to notice a change.
    if (resource.etag) return { version: bounded(`etag:${resource.etag}`), basis: 'etag' };
    if (resource.lastModified)
      return { version: bounded(`last-modified:${resource.lastModified}`), basis: 'last-modified' };
    return { version: `sha256:${await bodyDigest(resource, maxBytes, field)}`, basis: 'sha256' };
  } finally {
    discard(resource.body);
  }
}

function bounded(version: string): string {
  return version.length <= MAX_VALIDATOR_LENGTH
    ? version
    : `${version.slice(0, version.indexOf(':'))}-sha256:${createHash('sha256').update(version).digest('hex')}`;
}

async function bodyDigest(resource: OpenedResource, maxBytes: number, field: string): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of resource.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes)
        throw new StepInputError(
          `${shown(resource.url)} sent more than RESOURCE_MAX_BYTES (${maxBytes} bytes) and no ETag or Last-Modified to probe instead`,
          { path: field },
        );
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof StepInputError) throw error;
    throw unreachable(resource.url, error);
  }
  return hash.digest('hex');
}

/** Closes a body left unread (the abort this raises is expected). */
function discard(body: OpenedResource['body']): void {
  if (body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}
