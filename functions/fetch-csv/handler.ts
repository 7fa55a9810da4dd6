/**
 * http-resource: the generic function wrapping an external HTTP resource, configured by environment and secrets
 * (config.ts: RESOURCE_BASE_URL, RESOURCE_ALLOWED_HOSTS, RESOURCE_METHOD, RESOURCE_TIMEOUT, RESOURCE_MAX_BYTES,
 * RESOURCE_AUTH_*). It requests one URL under the base URL or on an allowed host, never anywhere else, and stores
 * the response body as an artifact of the run; with `probe: true` (the `probe-csv` step of a data-change watch) it
 * answers the resource's version instead and stores nothing. stack.yml deploys it under names such as `fetch-csv`.
 */
import { resourceConfigFromEnv } from './config.ts';
import { createProbeHandler } from './probe-resource.ts';
import { createResourceHandler, type ResourceContext } from './resource-step.ts';
import type { HttpResourceInput, HttpResourceProbeInput } from './schema.ts';

// Read once at start-up: a misconfigured function fails here, naming the key, instead of on every call.
const config = resourceConfigFromEnv();
const fetchResource = createResourceHandler(config);
const probeResource = createProbeHandler(config);

/** The wrapper has checked the input against the union of both steps' schemas: `probe` tells which it is. */
export function handle(input: HttpResourceInput | HttpResourceProbeInput, ctx: ResourceContext) {
  return 'probe' in input ? probeResource(input, ctx) : fetchResource(input, ctx);
}
