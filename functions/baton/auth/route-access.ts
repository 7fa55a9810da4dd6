/**
 * The one table of who may call each route of the trigger API, and the middleware that enforces it. A route
 * missing here is refused by the test that compares this table with the app's routes, so none is left open.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { TriggerApiError } from '../api/trigger-api-error.ts';
import { grants, type Principal, type Role } from './roles.ts';

/**
 * `public`: anyone (health checks); `step-signature`: long steps reporting back, authenticated by the function's
 * signature with its step key over the sealed attempt reference (callbacks-routes.ts) instead of a person's
 * credential; a role: a credential granting it.
 */
export type Access = Role | 'public' | 'step-signature';

export const ROUTE_ACCESS = {
  'GET /healthz': 'public',
  // Viewer: Prometheus scrapes with a viewer key as bearer token (README, Metrics); nothing in it is secret, but
  // pipeline and step names are the API's map, which is for signed-in callers only.
  'GET /metrics': 'viewer',
  // Viewer, not public: like an unknown path, the map of the API is for signed-in callers only.
  'GET /openapi.json': 'viewer',
  'GET /pipelines': 'viewer',
  'GET /runs': 'viewer',
  'POST /runs': 'trigger',
  'GET /runs/:runId': 'viewer',
  // Triggers cancel the runs they started; admins any run (runs-routes.ts checks the starter).
  'POST /runs/:runId/cancel': 'trigger',
  'GET /runs/:runId/report': 'viewer',
  'GET /runs/:runId/approval': 'viewer',
  'POST /runs/:runId/approval': 'approver',
  'GET /schedules': 'viewer',
  'POST /schedules': 'trigger',
  'GET /schedules/:scheduleId': 'viewer',
  // Triggers manage the schedules they created; admins any schedule (schedules-routes.ts checks the creator).
  'DELETE /schedules/:scheduleId': 'trigger',
  'POST /schedules/:scheduleId/pause': 'trigger',
  'POST /schedules/:scheduleId/unpause': 'trigger',
  'POST /schedules/:scheduleId/trigger': 'trigger',
  'GET /watches': 'viewer',
  'POST /watches': 'trigger',
  'GET /watches/:watchId': 'viewer',
  // Triggers delete the watches they created; admins any watch (watches-routes.ts checks the creator).
  'DELETE /watches/:watchId': 'trigger',
  'GET /models': 'viewer',
  'GET /models/:name': 'viewer',
  'GET /models/:name/versions/:version': 'viewer',
  'POST /models/:name/versions/:version/promote': 'admin',
  'GET /models/:name/policy': 'viewer',
  'GET /models/:name/monitoring': 'viewer',
  'GET /models/:name/monitoring/report': 'viewer',
  'PUT /models/:name/policy': 'admin',
  'GET /keys': 'admin',
  'POST /keys': 'admin',
  'POST /keys/:id/revoke': 'admin',
  // The Temporal UI decodes payloads here, passing its signed-in user's token (docs/production.md).
  'POST /codec/encode': 'viewer',
  'POST /codec/decode': 'viewer',
  'POST /callbacks/:ref': 'step-signature',
  'POST /progress/:ref': 'step-signature',
} as const satisfies Record<string, Access>;

/** The Hono context variables the middleware sets: the caller, for routes that record or check who acts. */
export interface AuthEnv {
  Variables: { principal: Principal };
}

export interface AccessOptions {
  authenticate(authorization: string | undefined): Promise<Principal | undefined>;
  /** Routes whose access is lowered to `public` by configuration (the codec server for a UI without sign-in). */
  publicOverrides?: readonly (keyof typeof ROUTE_ACCESS)[];
}

/** The access a request needs; a path no route serves needs `viewer`, so strangers cannot probe for routes. */
export function accessTable(publicOverrides: readonly string[] = []): (method: string, path: string) => Access {
  const router = new TrieRouter<Access>();
  for (const [route, access] of Object.entries(ROUTE_ACCESS)) {
    const [method, path] = route.split(' ') as [string, string];
    router.add(method, path, publicOverrides.includes(route) ? 'public' : access);
  }
  return (method, path) => router.match(method === 'HEAD' ? 'GET' : method, path)[0][0]?.[0] ?? 'viewer';
}

export function routeAccess(options: AccessOptions): MiddlewareHandler<AuthEnv> {
  const accessOf = accessTable(options.publicOverrides);
  return async (c, next) => {
    const access = accessOf(c.req.method, c.req.path);
    if (access === 'public' || access === 'step-signature') return next();
    const principal = await options.authenticate(c.req.header('authorization'));
    if (!principal) {
      throw new TriggerApiError(
        401,
        `${c.req.method} ${c.req.path} needs a credential: send "Authorization: Bearer <API key>" (an admin creates keys with \`npx baton keys create\`; the local stack's admin key is in .baton/secrets/baton-admin-key)`,
      );
    }
    if (!grants(principal.roles, access)) {
      throw new TriggerApiError(
        403,
        `${principal.name} (roles: ${principal.roles.join(', ') || 'none'}) may not ${c.req.method} ${c.req.path}: it needs the role "${access}"`,
      );
    }
    c.set('principal', principal);
    return next();
  };
}

/** The caller of a route behind `routeAccess` (every route with a role). */
export function principalOf(c: Context<AuthEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new TriggerApiError(401, 'no credential was checked for this route');
  return principal;
}
