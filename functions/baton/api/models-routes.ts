/**
 * The model registry over HTTP, mounted at `/models`: `GET /`, `GET /{name}`, `GET /{name}/versions/{version}`,
 * `POST /{name}/versions/{version}/promote` `{stage?, reason?}` (recorded as done by the caller), and the model's
 * promotion policy: `GET /{name}/policy` and `PUT /{name}/policy` `{rules, reason?}` (recorded as set by the caller);
 * and what monitor-model found: `GET /{name}/monitoring` (see model-monitoring.ts).
 * Unknown models and versions answer 404 naming them; a body that breaks the schema answers 400 naming the field.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { toErrorIssues } from '#baton-contract';
import {
  ModelRegistry,
  RegistryConflictError,
  RegistryDocumentError,
  RegistryNotFoundError,
  MODEL_NAME_PATTERN,
  MODEL_STAGES,
  MODEL_VERSION_PATTERN,
} from '../../../registry/index.ts';
import type { ModelSummary, ModelVersionView, ModelView, StageChangeResult } from '../../../registry/index.ts';
import { modelMetadata, modelPolicyDocument, productionPointer, stageChange } from '../../../registry/documents.ts';
import type { ModelPolicyView } from '../../../registry/policy.ts';
import { promotionPolicy } from '../../../workflows/promotion/policy.ts';
import { ArtifactStore, artifactStoreConfigFromEnv } from '../../../template/baton-node/artifacts.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { readJsonBody } from './json-body.ts';
import { pathParams } from './path-params.ts';
import { answers, type RouteDocs } from './route-doc.ts';
import { monitoringView, readMonitoring, type MonitoringStore } from './model-monitoring.ts';
import { monitoringReport } from './model-monitoring-report.ts';
import { breakingSignatureChange } from './promotion-signature.ts';

/** What the routes use of the registry (the real one, or one over an in-memory store in tests). */
export type ModelsRegistry = Pick<
  ModelRegistry,
  'listModels' | 'getModel' | 'getVersion' | 'setStage' | 'getPolicy' | 'setPolicy'
>;

/** What the models routes need. */
export interface ModelsDeps {
  /** Default: the registry in the orchestrator's artifact bucket (S3 settings and secrets), created on first use. */
  registry?: () => ModelsRegistry;
  /** Told each promotion to production an admin made here (the orchestrator's metrics). */
  onPromotion?: () => void;
  /** Where monitor-model's summaries and reports are; default: the artifact bucket (as the registry's default). */
  monitoringStore?: () => MonitoringStore;
}

/** The body of `POST .../promote`; every field has a default, so an empty body promotes to production. */
export const promoteBody = z
  .object({
    stage: z.enum(MODEL_STAGES).default('production'),
    reason: z.string().max(2000).default(''),
    allowBreakingSignature: z
      .boolean()
      .default(false)
      .describe(
        "Promote to production even if the version's signature breaks production's (predict's callers would fail); the change is recorded with the reason.",
      ),
    by: z.never({ error: 'is taken from your credential: leave it out' }).optional(),
  })
  .strict();

const modelName = z
  .string()
  .regex(MODEL_NAME_PATTERN, 'a model name is lowercase letters, digits and dashes (at most 63)');
const modelVersion = z.string().regex(MODEL_VERSION_PATTERN, 'a version is 12 lowercase hex digits');
/** The path parameters: names and versions become storage keys, so only ones the registry could hold pass. */
export const modelParams = z.object({ name: modelName });
export const versionParams = z.object({ name: modelName, version: modelVersion });

/** The body of `PUT .../policy`: the whole set of rules (what it leaves out gets the default), and why. */
export const policyBody = z
  .object({
    rules: promotionPolicy,
    reason: z.string().max(2000).default(''),
    updatedBy: z.never({ error: 'is taken from your credential: leave it out' }).optional(),
  })
  .strict();

export function modelsRoutes(deps: ModelsDeps = {}): Hono<AuthEnv> {
  let shared: ModelsRegistry | undefined;
  const registry =
    deps.registry ?? (() => (shared ??= new ModelRegistry(new ArtifactStore(artifactStoreConfigFromEnv()))));
  let sharedStore: ArtifactStore | undefined;
  const monitoringStore =
    deps.monitoringStore ?? (() => (sharedStore ??= new ArtifactStore(artifactStoreConfigFromEnv())));
  const app = new Hono<AuthEnv>();

  app.get('/', async (c) => c.json({ models: await registry().listModels() }));

  app.get('/:name', async (c) =>
    c.json(await answering(registry().getModel(pathParams(modelParams, c.req.param()).name))),
  );

  app.get('/:name/versions/:version', async (c) => {
    const { name, version } = pathParams(versionParams, c.req.param());
    return c.json(await answering(registry().getVersion(name, version)));
  });

  app.post('/:name/versions/:version/promote', async (c) => {
    const text = await c.req.raw.clone().text();
    const raw = text.trim() ? await readJsonBody(c.req.raw, '{"stage": "production", "reason": "why"}') : {};
    const body = promoteBody.safeParse(raw);
    if (!body.success) throw new TriggerApiError(400, 'invalid promotion request', toErrorIssues(body.error));
    const { name, version } = pathParams(versionParams, c.req.param());
    const reason = await promotionReason(registry(), name, version, body.data);
    const result = await answering(
      registry().setStage(name, version, body.data.stage, { by: principalOf(c).name, reason }),
    );
    if (result.changed && result.stage === 'production') deps.onPromotion?.();
    return c.json({
      modelName: result.name,
      version: result.version,
      stage: result.stage,
      previousProduction: result.previousProduction,
      changed: result.changed,
    });
  });

  app.get('/:name/policy', async (c) =>
    c.json(await answering(registry().getPolicy(pathParams(modelParams, c.req.param()).name))),
  );

  app.get('/:name/monitoring', async (c) =>
    c.json(await readMonitoring(monitoringStore(), pathParams(modelParams, c.req.param()).name)),
  );

  app.get('/:name/monitoring/report', async (c) =>
    monitoringReport(monitoringStore(), pathParams(modelParams, c.req.param()).name),
  );

  app.put('/:name/policy', async (c) => {
    const { name } = pathParams(modelParams, c.req.param());
    const body = policyBody.safeParse(
      await readJsonBody(c.req.raw, '{"rules": {"minimum": 0.9, "approval": {"required": true}}, "reason": "why"}'),
    );
    if (!body.success) throw new TriggerApiError(400, 'invalid promotion policy', toErrorIssues(body.error));
    const { policy, changed } = await answering(
      registry().setPolicy(name, body.data.rules, { by: principalOf(c).name, reason: body.data.reason }),
    );
    return c.json({ ...policy, changed });
  });

  return app;
}

/**
 * The reason recorded for a stage change; a promotion to production whose signature breaks production's is refused
 * (409 naming the change) unless the request or the model's policy allows it, and then the change joins the reason.
 */
async function promotionReason(
  registry: ModelsRegistry,
  name: string,
  version: string,
  request: z.output<typeof promoteBody>,
): Promise<string> {
  if (request.stage !== 'production') return request.reason;
  const breaking = breakingSignatureChange(await answering(registry.getModel(name)), version);
  if (!breaking) return request.reason;
  const policy = await answering(registry.getPolicy(name));
  if (!request.allowBreakingSignature && !policy.rules.allowBreakingSignature)
    throw new TriggerApiError(
      409,
      `${breaking}: callers of predict would fail. Promote it anyway with {"allowBreakingSignature": true}, or allow it in the model's policy (PUT /models/${name}/policy)`,
      [
        {
          path: 'allowBreakingSignature',
          message: 'must be true to promote a version whose signature breaks production',
        },
      ],
      { model: name, version },
    );
  return [request.reason, `signature change allowed: ${breaking}`].filter(Boolean).join('; ');
}

/** The registry's typed errors as HTTP errors: 404 naming the model or version, 409 for a lost race. */
async function answering<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof RegistryNotFoundError) {
      throw new TriggerApiError(404, error.message, undefined, {
        model: error.modelName,
        ...(error.version ? { version: error.version } : {}),
      });
    }
    if (error instanceof RegistryConflictError) throw new TriggerApiError(409, error.message);
    // A document broken by hand: say which, so an admin can rewrite it (PUT replaces a broken policy too).
    if (error instanceof RegistryDocumentError) throw new TriggerApiError(500, error.message);
    throw error;
  }
}

const metricsMap = z.record(z.string(), z.number());
const modelSummary = answers<ModelSummary>()(
  z.object({
    name: z.string(),
    versionCount: z.number(),
    production: z.object({ version: z.string(), promotedAt: z.string(), metrics: metricsMap }).nullable(),
    latest: z.object({
      version: z.string(),
      registeredAt: z.string(),
      stage: z.enum(MODEL_STAGES),
      metrics: metricsMap,
    }),
  }),
);
const versionView = answers<ModelVersionView>()(
  modelMetadata.extend({
    stage: z.enum(MODEL_STAGES),
    stageChangedAt: z.string(),
    stageHistory: z.array(stageChange),
  }),
);
const modelView = answers<ModelView>()(
  z.object({ name: z.string(), production: productionPointer.nullable(), versions: z.array(versionView) }),
);
const promoted = answers<Omit<StageChangeResult, 'name'> & { modelName: string }>()(
  z.object({
    modelName: z.string(),
    version: z.string(),
    stage: z.enum(MODEL_STAGES),
    previousProduction: z.string().nullable(),
    changed: z.boolean(),
  }),
);

const policyView = answers<ModelPolicyView>()(
  z.union([
    modelPolicyDocument.extend({ name: z.string(), stored: z.literal(true) }),
    z.object({ name: z.string(), stored: z.literal(false), version: z.literal(0), rules: promotionPolicy }),
  ]),
);

/** The models routes in the OpenAPI document. */
export const modelsRouteDocs: RouteDocs = {
  'GET /models': {
    tag: 'models',
    summary: 'The registered models',
    responses: {
      200: {
        description: 'Each model with its production and latest version',
        schema: z.object({ models: z.array(modelSummary) }),
      },
    },
  },
  'GET /models/:name': {
    tag: 'models',
    summary: 'A model: what serves, and every version newest first',
    params: modelParams,
    responses: {
      200: { description: 'The model', schema: modelView },
      400: 'A name the registry cannot hold',
      404: 'No such model',
    },
  },
  'GET /models/:name/versions/:version': {
    tag: 'models',
    summary: 'One version: stage, metrics, params and lineage',
    params: versionParams,
    responses: {
      200: { description: 'The version', schema: versionView },
      400: 'A name or version the registry cannot hold',
      404: 'No such model or version',
    },
  },
  'POST /models/:name/versions/:version/promote': {
    tag: 'models',
    summary: 'Move a version to a stage (default: production)',
    description: 'Recorded as done by the caller; a body that sets `by` is refused. An empty body takes the defaults.',
    params: versionParams,
    body: promoteBody,
    bodyOptional: true,
    responses: {
      200: { description: 'The stage change', schema: promoted },
      400: 'An invalid body, name or version',
      404: 'No such model or version',
      409: "The version's signature breaks production's (allowBreakingSignature allows it), or another change of the same model won a race: try again",
    },
  },
  'GET /models/:name/policy': {
    tag: 'models',
    summary: 'The promotion policy every run of the model is held to',
    description:
      'The stored policy with its version and history, or the default policy (version 0) when none is stored.',
    params: modelParams,
    responses: { 200: { description: 'The policy', schema: policyView }, 400: 'A name the registry cannot hold' },
  },
  'GET /models/:name/monitoring': {
    tag: 'models',
    summary: 'What monitor-model found: the latest drift per feature, and drift and live accuracy over time',
    description:
      'From the summaries monitor-model runs stored (`monitoring/<name>/`), oldest first, at most the last 100 windows; `latest` is null when the model was never monitored. The HTML report of each window is beside its summary.',
    params: modelParams,
    responses: {
      200: { description: 'The monitoring view', schema: monitoringView },
      400: 'A name the registry cannot hold',
    },
  },
  'GET /models/:name/monitoring/report': {
    tag: 'models',
    summary: "The latest monitoring window's HTML report (self-contained: no script, nothing loaded)",
    params: modelParams,
    responses: {
      200: { description: 'The report', contentType: 'text/html' },
      400: 'A name the registry cannot hold',
      404: 'The model was never monitored, or its report is gone',
    },
  },
  'PUT /models/:name/policy': {
    tag: 'models',
    summary: "Set the model's promotion policy (a new version; the same rules again change nothing)",
    description:
      'Recorded as set by the caller; a body that sets `updatedBy` is refused. Runs may make it stricter, never looser.',
    params: modelParams,
    body: policyBody,
    responses: {
      200: {
        description: 'The policy now, and whether it changed',
        schema: policyView.and(z.object({ changed: z.boolean() })),
      },
      400: 'An invalid body or name',
      409: 'Another change of the same policy won a race: try again',
    },
  },
};
