import { Hono } from 'hono';
import type { Client } from '@temporalio/client';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import type { StepCatalog } from '../../../activities/step-catalog.ts';
import type { ApiKeyStore } from '../auth/key-store.ts';
import { routeAccess, type AuthEnv } from '../auth/route-access.ts';
import type { Principal } from '../auth/roles.ts';
import { callbacksRoutes } from './callbacks-routes.ts';
import { codecsOf } from '../codec/decode-history.ts';
import { codecCors, codecRoutes } from './codec-routes.ts';
import { allowedMethods } from './allowed-methods.ts';
import { approvalRoutes } from './approval-routes.ts';
import { answerError, TriggerApiError } from './trigger-api-error.ts';
import { keysRoutes } from './keys-routes.ts';
import { modelsRoutes, type ModelsRegistry } from './models-routes.ts';
import { openApiDocument } from './openapi.ts';
import { pipelinesRoutes } from './pipelines-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { requestLimits, type RequestLimits } from './request-limits.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CALLBACK_BYTES } from '../defaults.ts';
import { runsRoutes } from './runs-routes.ts';
import { schedulesRoutes } from './schedules-routes.ts';
import { watchesRoutes } from './watches-routes.ts';

/** What the trigger API needs. */
export interface ApiDeps {
  client: Client;
  taskQueue: string;
  namespace: string;
  pipelines: readonly PipelineDefinition[];
  steps: StepCatalog;
  /** Seals the attempt references in the callback and progress URLs of long steps. */
  callbackKey: string;
  /** The secret `baton-signing-key`: checks the functions' signatures on callbacks and progress reports. */
  signingKey: string;
  publicUrl: string;
  temporalUiUrl: string | undefined;
  /** Health of the parts behind the API, for `GET /healthz`. */
  health(): Record<string, string>;
  /** Origins (the Temporal UI's) allowed to call the codec server `/codec/*` from a browser; default none. */
  codecCorsOrigins?: readonly string[];
  /** The model registry behind `/models`; default: the one in the artifact bucket, created on first use. */
  registry?: () => ModelsRegistry;
  /** Body caps and allowed origins; default: 1 MiB (4 MiB for callbacks), pages of `publicUrl`'s origin only. */
  limits?: RequestLimits;
  /** The caller of a request from its `Authorization` header (auth/authenticate.ts); undefined: not signed in. */
  authenticate(authorization: string | undefined): Promise<Principal | undefined>;
  /** The issued API keys behind `/keys`. */
  keys: () => ApiKeyStore;
  /** Serve the codec server to anyone (a Temporal UI without sign-in, such as the local dev server's). */
  codecPublic?: boolean;
  /** The text of `GET /metrics` (telemetry/metrics-route.ts) and the promotions it counts; default: no metrics. */
  metrics?: ApiMetrics;
  /** The shortest poll interval `POST /watches` accepts; default 10 s (BATON_WATCH_MIN_INTERVAL_SECONDS). */
  watchMinIntervalMs?: number;
}

/** What the API needs of the orchestrator's metrics. */
export interface ApiMetrics {
  /** This replica's metrics in Prometheus' text format. */
  scrape(): Promise<string>;
  /** An admin promoted a model version to production through the API. */
  promotedByApi(): void;
}

/** The trigger API as a Hono app: served by the orchestrator, called in-process by tests. */
export function createApi(deps: ApiDeps): Hono<AuthEnv> {
  const pipelines = new Map(deps.pipelines.map((pipeline) => [pipeline.name, pipeline]));
  // A run or schedule: its route here, and its page in the Temporal UI when there is one.
  const linksOf = (apiPath: string, uiPath: string) => (id: string) => ({
    self: `${deps.publicUrl}/${apiPath}/${encodeURIComponent(id)}`,
    ...(deps.temporalUiUrl
      ? {
          temporalUi: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/${uiPath}/${encodeURIComponent(id)}`,
        }
      : {}),
  });
  const links = linksOf('runs', 'workflows');
  const scheduleLinks = linksOf('schedules', 'schedules');

  const publicOverrides = deps.codecPublic ? (['POST /codec/encode', 'POST /codec/decode'] as const) : [];
  const openApi = openApiDocument({
    serverUrl: deps.publicUrl,
    namespace: deps.namespace,
    pipelines: deps.pipelines,
    publicOverrides,
  });

  const app = new Hono<AuthEnv>();
  // CORS first: the UI's preflight carries no credentials, so it must be answered before authentication.
  app.use('/codec/*', codecCors(deps.codecCorsOrigins ?? []));
  app.use(routeAccess({ authenticate: deps.authenticate, publicOverrides }));
  app.use(
    requestLimits(
      deps.limits ?? {
        maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
        maxCallbackBytes: DEFAULT_MAX_CALLBACK_BYTES,
        allowedOrigins: [new URL(deps.publicUrl).origin, ...(deps.codecCorsOrigins ?? [])],
      },
    ),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok', ...deps.health() }));
  app.get('/openapi.json', (c) => c.json(openApi));
  app.get('/metrics', async (c) => {
    if (!deps.metrics) throw new TriggerApiError(404, 'this orchestrator serves no metrics');
    return c.body(await deps.metrics.scrape(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  app.route('/pipelines', pipelinesRoutes(pipelines));
  app.route('/runs', runsRoutes({ client: deps.client, taskQueue: deps.taskQueue, pipelines, links }));
  app.route('/runs', reportRoutes({ client: deps.client }));
  app.route('/runs', approvalRoutes({ client: deps.client }));
  app.route(
    '/schedules',
    schedulesRoutes({ client: deps.client, taskQueue: deps.taskQueue, pipelines, links: scheduleLinks }),
  );
  app.route(
    '/watches',
    watchesRoutes({
      client: deps.client,
      taskQueue: deps.taskQueue,
      pipelines,
      links: linksOf('watches', 'workflows'),
      minIntervalMs: deps.watchMinIntervalMs,
    }),
  );
  app.route('/models', modelsRoutes({ registry: deps.registry, onPromotion: () => deps.metrics?.promotedByApi() }));
  app.route('/keys', keysRoutes({ keys: deps.keys }));
  // The codec server decodes with the client's own codecs: what it shows is exactly what the workers wrote.
  app.route('/codec', codecRoutes({ codecs: codecsOf(deps.client), namespace: deps.namespace }));
  app.route(
    '/',
    callbacksRoutes({
      client: deps.client,
      steps: deps.steps,
      callbackKey: deps.callbackKey,
      signingKey: deps.signingKey,
    }),
  );
  const methodsOf = allowedMethods();
  app.notFound((c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0)
      return c.json(
        new TriggerApiError(404, `no route ${c.req.method} ${c.req.path}; see GET /openapi.json`).toBody(),
        404,
      );
    c.header('Allow', allowed.join(', '));
    return c.json(
      new TriggerApiError(405, `${c.req.path} does not take ${c.req.method}: use ${allowed.join(' or ')}`).toBody(),
      405,
    );
  });
  app.onError(answerError);
  return app;
}
