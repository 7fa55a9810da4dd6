/**
 * http-resource: the generic function wrapping an external HTTP resource, configured by environment and secrets
 * (config.ts: RESOURCE_BASE_URL, RESOURCE_ALLOWED_HOSTS, RESOURCE_METHOD, RESOURCE_TIMEOUT, RESOURCE_MAX_BYTES,
 * RESOURCE_AUTH_*). It requests one URL under the base URL or on an allowed host, never anywhere else, and stores
 * the response body as an artifact of the run. stack.yml deploys it under names such as `fetch-csv`.
 */
import { resourceConfigFromEnv } from './config.ts';
import { createResourceHandler } from './resource-step.ts';

// Read once at start-up: a misconfigured function fails here, naming the key, instead of on every call.
const config = resourceConfigFromEnv();

export const handle = createResourceHandler(config);
