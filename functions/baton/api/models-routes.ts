/**
 * The model registry over HTTP, mounted at `/models`: `GET /`, `GET /{name}`, `GET /{name}/versions/{version}`,
 * `POST /{name}/versions/{version}/promote` `{stage?, reason?}` (recorded as done by the caller), and the model's
 * promotion policy: `GET /{name}/policy` and `PUT /{name}/policy` `{rules, reason?}` (recorded as set by the caller).
 * Unknown models and versions answer 404 naming them; a body that breaks the schema answers 400 naming the field.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { toErrorIssues } from '#baton-contract';
import { ModelRegistry, RegistryConflictError, RegistryDocumentError, RegistryNotFoundError, MODEL_NAME_PATTERN, MODEL_STAGES } from '../../../activities/registry/index.ts';
import { promotionPolicy } from '../../../workflows/promotion/policy.ts';
import { ArtifactStore, artifactStoreConfigFromEnv } from '../../../template/node-ts/artifacts.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { HttpError } from './http-error.ts';
import { readJsonBody } from './json-body.ts';

/** What the routes use of the registry (the real one, or one over an in-memory store in tests). */
export type ModelsRegistry = Pick<ModelRegistry, 'listModels' | 'getModel' | 'getVersion' | 'setStage' | 'getPolicy' | 'setPolicy'>;

/** What the models routes need. */
export interface ModelsDeps {
  /** Default: the registry in the orchestrator's artifact bucket (S3 settings and secrets), created on first use. */
  registry?: () => ModelsRegistry;
}

/** The body of `POST .../promote`; every field has a default, so an empty body promotes to production. */
export const promoteBody = z.object({
  stage: z.enum(MODEL_STAGES).default('production'),
  reason: z.string().max(2000).default(''),
  by: z.never({ error: 'is taken from your credential: leave it out' }).optional(),
}).strict();

/** The body of `PUT .../policy`: the whole set of rules (what it leaves out gets the default), and why. */
export const policyBody = z.object({
  rules: promotionPolicy,
  reason: z.string().max(2000).default(''),
  updatedBy: z.never({ error: 'is taken from your credential: leave it out' }).optional(),
}).strict();

export function modelsRoutes(deps: ModelsDeps = {}): Hono<AuthEnv> {
  let shared: ModelsRegistry | undefined;
  const registry = deps.registry ?? (() => (shared ??= new ModelRegistry(new ArtifactStore(artifactStoreConfigFromEnv()))));
  const app = new Hono<AuthEnv>();

  app.get('/', async (c) => c.json({ models: await registry().listModels() }));

  app.get('/:name', async (c) => c.json(await answering(registry().getModel(c.req.param('name')))));

  app.get('/:name/versions/:version', async (c) => c.json(await answering(registry().getVersion(c.req.param('name'), c.req.param('version')))));

  app.post('/:name/versions/:version/promote', async (c) => {
    const text = await c.req.raw.clone().text();
    const raw = text.trim() ? await readJsonBody(c.req.raw, '{"stage": "production", "reason": "why"}') : {};
    const body = promoteBody.safeParse(raw);
    if (!body.success) throw new HttpError(400, 'invalid promotion request', toErrorIssues(body.error));
    const { name, version } = c.req.param();
    const result = await answering(registry().setStage(name, version, body.data.stage, { by: principalOf(c).name, reason: body.data.reason }));
    return c.json({ modelName: result.name, version: result.version, stage: result.stage, previousProduction: result.previousProduction, changed: result.changed });
  });

  app.get('/:name/policy', async (c) => c.json(await answering(registry().getPolicy(modelNameOf(c.req.param('name'))))));

  app.put('/:name/policy', async (c) => {
    const name = modelNameOf(c.req.param('name'));
    const body = policyBody.safeParse(await readJsonBody(c.req.raw, '{"rules": {"minimum": 0.9, "approval": {"required": true}}, "reason": "why"}'));
    if (!body.success) throw new HttpError(400, 'invalid promotion policy', toErrorIssues(body.error));
    const { policy, changed } = await answering(registry().setPolicy(name, body.data.rules, { by: principalOf(c).name, reason: body.data.reason }));
    return c.json({ ...policy, changed });
  });

  return app;
}

/** A model name as the registry spells them; anything else is a 400 naming the rule. */
function modelNameOf(name: string): string {
  if (!MODEL_NAME_PATTERN.test(name)) throw new HttpError(400, `model name "${name}" is invalid: use lowercase letters, digits and dashes, at most 63, starting with a letter or digit`);
  return name;
}

/** The registry's typed errors as HTTP errors: 404 naming the model or version, 409 for a lost race. */
async function answering<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof RegistryNotFoundError) {
      throw new HttpError(404, error.message, undefined, { model: error.modelName, ...(error.version ? { version: error.version } : {}) });
    }
    if (error instanceof RegistryConflictError) throw new HttpError(409, error.message);
    // A document broken by hand: say which, so an admin can rewrite it (PUT replaces a broken policy too).
    if (error instanceof RegistryDocumentError) throw new HttpError(500, error.message);
    throw error;
  }
}
