/**
 * One call of an http-resource function: resolve the target through the SSRF guard, request it (auth header from
 * the secret), and stream the body into the artifact store at `runs/<workflowId>/<step>/<saveAs>`. The output
 * carries the body by reference only; a retry overwrites the same key.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { StepInputError, type ArtifactRef, type StepContext, type StepResult } from '#baton-step';
import type { ResourceConfig } from './config.ts';
import { createResourceAgent, openResource, unreachable, type OpenedResource } from './fetch-resource.ts';
import type { HttpResourceInput, HttpResourceOutput } from './schema.ts';
import { resolveTarget, shown, targetField } from './target-url.ts';

/** What a call needs of the artifact store (the real one, or an in-memory one in tests). */
export interface ResourceStore {
  putStream(
    key: string,
    source: AsyncIterable<Uint8Array>,
    size: number,
    options?: { contentType?: string },
  ): Promise<ArtifactRef>;
}

/** What a call needs of its context. */
export type ResourceContext = Pick<StepContext, 'secret' | 'runKey' | 'log'> & { artifacts(): ResourceStore };

/** The step handler of one configured function; `dispatcher` defaults to a pool with the configured timeouts. */
export function createResourceHandler(config: ResourceConfig, dispatcher: Dispatcher = createResourceAgent(config)) {
  return async function handle(
    input: HttpResourceInput,
    ctx: ResourceContext,
  ): Promise<StepResult<HttpResourceOutput>> {
    const field = targetField(input);
    if (input.body !== undefined && config.method !== 'POST') {
      throw new StepInputError(
        `this function sends ${config.method} requests, which carry no body (RESOURCE_METHOD would have to be POST)`,
        { path: 'body' },
      );
    }
    const url = resolveTarget(config, input);
    const resource = await openResource(config, dispatcher, {
      url,
      method: config.method,
      headers: { accept: '*/*', 'user-agent': 'baton-http-resource' },
      credentials: config.auth && {
        origin: config.baseUrl.origin,
        headers: authHeader(config.auth, ctx.secret(config.auth.secret)),
      },
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
      field,
      onRedirect: (from, to, status) => ctx.log(`${shown(from)} redirected (${status}) to ${shown(to)}`),
    });
    const artifact = await storeBody(resource, ctx.artifacts(), ctx.runKey(input.saveAs), config.maxBytes, field);
    ctx.log(
      `${config.method} ${shown(resource.url)} → ${resource.status} ${resource.contentType}, ${artifact.size} bytes → ${artifact.uri}`,
    );
    return {
      output: { status: resource.status, contentType: resource.contentType, url: shown(resource.url), artifact },
      metrics: { responseBytes: artifact.size, redirects: resource.redirects },
    };
  };
}

/** The configured auth header carrying `secret`, e.g. `{authorization: 'Bearer <secret>'}`. */
export function authHeader(auth: NonNullable<ResourceConfig['auth']>, secret: string): Record<string, string> {
  return { [auth.header.toLowerCase()]: auth.scheme ? `${auth.scheme} ${secret}` : secret };
}

/**
 * Streams the body into the store. With a Content-Length it goes straight through (memory stays at the store's
 * two parts); without one it is spooled to a temporary file first, because the store needs the size up front.
 */
async function storeBody(
  resource: OpenedResource,
  store: ResourceStore,
  key: string,
  maxBytes: number,
  field: string,
): Promise<ArtifactRef> {
  const tooLarge = (size: string) =>
    new StepInputError(`${shown(resource.url)} sent ${size}, more than RESOURCE_MAX_BYTES (${maxBytes} bytes)`, {
      path: field,
    });
  try {
    if (resource.contentLength !== undefined) {
      if (resource.contentLength > maxBytes) throw tooLarge(`${resource.contentLength} bytes`);
      return await store.putStream(key, checkedBody(resource, maxBytes, tooLarge), resource.contentLength, {
        contentType: resource.contentType,
      });
    }
    const dir = await mkdtemp(join(tmpdir(), 'http-resource-'));
    try {
      const file = join(dir, 'body');
      await pipeline(checkedBody(resource, maxBytes, tooLarge), createWriteStream(file));
      const { size } = await stat(file);
      return await store.putStream(key, createReadStream(file), size, { contentType: resource.contentType });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    discard(resource.body); // refused, failed or stopped early: free the connection (a no-op once the body was read)
  }
}

/** Closes a body that may not have been read to its end; the abort this raises is expected, not an error. */
function discard(body: OpenedResource['body']): void {
  if (body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}

/** The body's chunks, refused past `maxBytes`; a broken or silent connection becomes a retryable error (503). */
async function* checkedBody(
  resource: OpenedResource,
  maxBytes: number,
  tooLarge: (size: string) => Error,
): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of resource.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof StepInputError) throw error;
    throw unreachable(resource.url, error);
  }
}
