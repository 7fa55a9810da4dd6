/** Test helpers: the trigger API's routes as a signed-in caller sees them, without real credentials. */
import { Hono } from 'hono';
import { memoryRegistryStore } from '../../../registry/memory-store.ts';
import { ApiKeyStore } from './key-store.ts';
import type { ModelsRegistry } from '../api/models-routes.ts';
import type { AuthEnv } from './route-access.ts';
import type { Principal } from './roles.ts';

export const TEST_ADMIN: Principal = { id: 'key:test-admin', name: 'test-admin', roles: ['admin'] };

/** `createApi`'s authentication deps for a test where every caller is `principal` (default an admin). */
export function everyoneIs(principal: Principal = TEST_ADMIN) {
  return { authenticate: async () => principal, keys: () => new ApiKeyStore(memoryRegistryStore()) };
}

/** Mounts `routes` behind a middleware that signs every request in as `principal`, as `routeAccess` would. */
export function signedIn(routes: Hono<AuthEnv>, principal: Principal = TEST_ADMIN): Hono<AuthEnv> {
  return new Hono<AuthEnv>()
    .use(async (c, next) => {
      c.set('principal', principal);
      await next();
    })
    .route('/', routes);
}

/** A models registry whose every method throws, but for the ones a test gives. */
export function unusedRegistry(overrides: Partial<ModelsRegistry> = {}): ModelsRegistry {
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    listModels: async () => [],
    getModel: unused,
    getVersion: unused,
    setStage: unused,
    getPolicy: unused,
    setPolicy: unused,
    ...overrides,
  };
}
