/**
 * API keys over HTTP (admin only, see auth/route-access.ts): `GET /keys`, `POST /keys` `{name, roles}` (the answer
 * holds the key, shown this once) and `POST /keys/{id}/revoke`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { toErrorIssues } from '#baton-contract';
import { KeyStoreError, keyName, type ApiKeyInfo, type ApiKeyStore } from '../auth/key-store.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { ROLES } from '../auth/roles.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { readJsonBody } from './json-body.ts';
import { answers, type RouteDocs } from './route-doc.ts';

export const createBody = z
  .object({
    name: keyName,
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  })
  .strict();

export function keysRoutes(deps: { keys: () => ApiKeyStore }): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const refused = (error: unknown): never => {
    if (error instanceof KeyStoreError)
      throw new TriggerApiError(error.kind === 'not-found' ? 404 : 409, error.message);
    throw error;
  };

  app.get('/', async (c) => c.json({ keys: await deps.keys().list() }));

  app.post('/', async (c) => {
    const body = createBody.safeParse(await readJsonBody(c.req.raw, '{"name": "ci-bot", "roles": ["trigger"]}'));
    if (!body.success) throw new TriggerApiError(400, 'invalid key request', toErrorIssues(body.error));
    const created = await deps.keys().create(body.data.name, body.data.roles, principalOf(c)).catch(refused);
    console.log(
      `baton: API key ${created.info.id} ("${created.info.name}", roles ${created.info.roles.join(',')}) created by ${created.info.createdBy}`,
    );
    return c.json({ ...created.info, key: created.key }, 201);
  });

  app.post('/:id/revoke', async (c) => {
    const revoked = await deps.keys().revoke(c.req.param('id'), principalOf(c)).catch(refused);
    console.log(
      `baton: API key ${revoked.id} ("${revoked.name}") revoked by ${revoked.revokedBy ?? principalOf(c).name}`,
    );
    return c.json(revoked);
  });

  return app;
}

const keyInfo = answers<ApiKeyInfo>()(
  z.looseObject({
    id: z.string(),
    name: z.string(),
    roles: z.array(z.enum(ROLES)),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
  }),
);

/** The keys routes in the OpenAPI document. */
export const keysRouteDocs: RouteDocs = {
  'GET /keys': {
    tag: 'keys',
    summary: 'The issued API keys (never the keys themselves)',
    responses: {
      200: { description: 'Every key, revoked ones included', schema: z.object({ keys: z.array(keyInfo) }) },
    },
  },
  'POST /keys': {
    tag: 'keys',
    summary: 'Create an API key',
    description: 'The answer holds the key, shown this once; only its SHA-256 is stored.',
    body: createBody,
    responses: {
      201: { description: 'The new key', schema: keyInfo.extend({ key: z.string() }) },
      400: 'An invalid body',
      409: 'The store holds its most active keys already: revoke unused ones first',
    },
  },
  'POST /keys/:id/revoke': {
    tag: 'keys',
    summary: 'Revoke an API key',
    description:
      'It stops on the replica that took the call at once, on the others within seconds. Revoking a revoked key answers it unchanged.',
    responses: { 200: { description: 'The revoked key', schema: keyInfo }, 404: 'No such key' },
  },
};
