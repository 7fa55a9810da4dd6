import { z } from 'zod';
import { describeIssue, toErrorIssues } from '#baton-contract';
import type { OidcSettings } from './auth/oidc.ts';
import type { RequestLimits } from './api/request-limits.ts';
import * as defaults from './defaults.ts';
import {
  loadTemporalConnectSettings,
  TemporalSettingsError,
  type TemporalConnectSettings,
} from './temporal/connect-settings.ts';

/** The orchestrator's settings, read once from its environment. */
export interface OrchestratorConfig {
  /** Address, namespace, TLS and API key (temporal/connect-settings.ts). */
  temporal: TemporalConnectSettings;
  namespace: string;
  taskQueue: string;
  gatewayUrl: string;
  /** Base URL of this API as clients reach it, for `links.self`. */
  publicUrl: string;
  /** Base URL of the Temporal Web UI, for `links.temporalUi`; absent when unknown. */
  temporalUiUrl: string | undefined;
  /**
   * Folder with `index.ts` (workflows to bundle at start) and `catalog.ts` (pipeline definitions `pipelines` and
   * every step `steps`) replacing the repository's `workflows/`; absent: the built-in pipelines.
   */
  workflowsDir: string | undefined;
  /** Folder of the workflow bundles `npm run build` prebuilt (images): no bundling at start. */
  workflowBundleDir: string | undefined;
  /** Whether this replica runs the Temporal worker (an API-only replica sets it to false). */
  runWorker: boolean;
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** After SIGTERM: how long running activities may finish before they are cancelled (and retried elsewhere). */
  shutdownGraceMs: number;
  /** The small task queue of Baton's own workflows (the scaler), polled by a separate worker. */
  systemTaskQueue: string;
  scaler: ScalerConfig;
  /** Body caps and the origins whose pages may send state-changing requests (the public URL's, and listed ones). */
  limits: RequestLimits;
  /** Browser origins (the Temporal UI's) allowed to call the codec server `/codec/*`. */
  codecCorsOrigins: string[];
  /** Whether the codec server answers without a credential (a Temporal UI without sign-in; local stack only). */
  codecPublic: boolean;
  /** JWTs of this OpenID Connect issuer are credentials too; absent: API keys only. */
  oidc: OidcSettings | undefined;
  /**
   * Loopback port of the Temporal runtime's Prometheus exporter (the worker's metrics), read by `GET /metrics`:
   * 0 = a free port chosen at start (replicas sharing a host), undefined = no worker metrics.
   */
  temporalMetricsPort: number | undefined;
  /** The shortest poll interval `POST /watches` accepts (BATON_WATCH_MIN_INTERVAL_SECONDS, at least 1 s). */
  watchMinIntervalMs: number;
}

/** The scaler's knobs (docs/scaling.md). */
export interface ScalerConfig {
  /** Whether this replica starts the scaler workflow (and hands it these settings). */
  enabled: boolean;
  /** The orchestrator's function name at the gateway. */
  functionName: string;
  intervalMs: number;
  /** Backlog tasks (workflow + activity) one orchestrator replica should carry. */
  targetPerReplica: number;
  /** Scale down only after the load has allowed it for this long. */
  coolDownMs: number;
  /** Most replicas added per tick; 0 = no limit. */
  maxStepUp: number;
  /** Also scale step functions that set `max_inflight` (or the `com.baton.scale.target` label). */
  scaleStepFunctions: boolean;
}

const flag = z.enum(['true', 'false']);
const flagText = (value: boolean): z.infer<typeof flag> => (value ? 'true' : 'false');
const url = z.string().url('must be a URL like http://127.0.0.1:8080');
const seconds = z.coerce.number().min(0, 'must be seconds (0 or more)');
const bytes = z.coerce
  .number()
  .int('must be a whole number of bytes')
  .min(1024, 'must be at least 1024 bytes')
  .max(64 * 1024 * 1024, 'must be at most 64 MiB');
/** Comma-separated browser origins (`scheme://host[:port]`); an entry with a path or anything else is named. */
const originList = z.string().transform((value, ctx) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const parsed = URL.canParse(entry) ? new URL(entry) : undefined;
      if (!parsed || parsed.origin !== entry.replace(/\/+$/, ''))
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not an origin like https://ui.example.com (scheme, host and port only)`,
        });
      return parsed?.origin ?? entry;
    }),
);

/** `off`, or a port: 0 for a free one. */
const portOrOff = z
  .string()
  .trim()
  .regex(/^(off|\d{1,5})$/, 'must be a port (1-65535), 0 for a free one, or off')
  .transform((value) => (value === 'off' ? null : Number(value))) // null: zod's default would fill an undefined
  .refine((port) => port === null || port <= 65535, 'must be a port (1-65535), 0 for a free one, or off');

const schema = z.object({
  BATON_TASK_QUEUE: z.string().min(1).default(defaults.DEFAULT_TASK_QUEUE),
  BATON_GATEWAY_URL: url,
  BATON_PUBLIC_URL: url.optional(),
  TEMPORAL_UI_URL: url.optional(),
  BATON_WORKFLOWS_DIR: z.string().min(1).optional(),
  BATON_WORKFLOW_BUNDLE_DIR: z.string().min(1).optional(),
  BATON_RUN_WORKER: flag.default(flagText(defaults.DEFAULT_RUN_WORKER)),
  BATON_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(defaults.DEFAULT_MAX_CONCURRENT_ACTIVITIES),
  BATON_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
    .number()
    .int()
    .min(1)
    .default(defaults.DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS),
  BATON_SHUTDOWN_GRACE_SECONDS: seconds.default(defaults.DEFAULT_SHUTDOWN_GRACE_SECONDS),
  BATON_SYSTEM_TASK_QUEUE: z.string().min(1).default(defaults.DEFAULT_SYSTEM_TASK_QUEUE),
  BATON_SCALER_ENABLED: flag.default(flagText(defaults.DEFAULT_SCALER_ENABLED)),
  BATON_SCALER_FUNCTION: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a function name like baton')
    .default(defaults.DEFAULT_SCALER_FUNCTION),
  BATON_SCALER_INTERVAL_SECONDS: seconds.min(0.5).default(defaults.DEFAULT_SCALER_INTERVAL_SECONDS),
  BATON_SCALER_TARGET: z.coerce.number().positive('must be above 0').default(defaults.DEFAULT_SCALER_TARGET),
  BATON_SCALER_COOLDOWN_SECONDS: seconds.default(defaults.DEFAULT_SCALER_COOLDOWN_SECONDS),
  BATON_SCALER_MAX_STEP: z.coerce.number().int().min(0).default(defaults.DEFAULT_SCALER_MAX_STEP),
  BATON_SCALER_STEP_FUNCTIONS: flag.default(flagText(defaults.DEFAULT_SCALER_STEP_FUNCTIONS)),
  BATON_MAX_BODY_BYTES: bytes.default(defaults.DEFAULT_MAX_BODY_BYTES),
  BATON_MAX_CALLBACK_BYTES: bytes.default(defaults.DEFAULT_MAX_CALLBACK_BYTES),
  BATON_ALLOWED_ORIGINS: originList.default([]),
  BATON_CODEC_CORS_ORIGINS: originList.default([]),
  BATON_CODEC_PUBLIC: flag.default(flagText(defaults.DEFAULT_CODEC_PUBLIC)),
  BATON_OIDC_ISSUER: z.string().min(1).optional(),
  BATON_OIDC_AUDIENCE: z.string().min(1).optional(),
  BATON_OIDC_JWKS_URL: url.optional(),
  BATON_OIDC_ROLES_CLAIM: z.string().min(1).default(defaults.DEFAULT_OIDC_ROLES_CLAIM),
  BATON_TEMPORAL_METRICS_PORT: portOrOff.default(defaults.DEFAULT_TEMPORAL_METRICS_PORT),
  BATON_WATCH_MIN_INTERVAL_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(1)
    .max(86_400)
    .default(defaults.DEFAULT_WATCH_MIN_INTERVAL_SECONDS),
});

const OIDC_KEYS = ['BATON_OIDC_ISSUER', 'BATON_OIDC_AUDIENCE', 'BATON_OIDC_JWKS_URL'] as const;

/** Parses the environment; the error names every wrong key and what it should be. */
export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : toErrorIssues(parsed.error).map(describeIssue);
  let temporal: TemporalConnectSettings | undefined;
  try {
    temporal = loadTemporalConnectSettings(env);
  } catch (error) {
    if (!(error instanceof TemporalSettingsError)) throw error;
    problems.unshift(...error.problems);
  }
  if (!parsed.success || !temporal)
    throw new Error(`orchestrator configuration is invalid:\n  ${problems.join('\n  ')}`);
  const e = parsed.data;
  if (e.BATON_WORKFLOWS_DIR && e.BATON_WORKFLOW_BUNDLE_DIR) {
    throw new Error(
      'orchestrator configuration is invalid:\n  BATON_WORKFLOWS_DIR and BATON_WORKFLOW_BUNDLE_DIR exclude each other: set one (sources bundled at start, or a prebuilt bundle)',
    );
  }
  const oidcSet = OIDC_KEYS.filter((key) => e[key] !== undefined);
  if (oidcSet.length > 0 && oidcSet.length < OIDC_KEYS.length) {
    throw new Error(
      `orchestrator configuration is invalid:\n  ${OIDC_KEYS.filter((key) => e[key] === undefined).join(', ')}: needed too when ${oidcSet.join(', ')} is set (OpenID Connect sign-in needs issuer, audience and JWKS URL)`,
    );
  }
  const gatewayUrl = e.BATON_GATEWAY_URL.replace(/\/+$/, '');
  const publicUrl = (e.BATON_PUBLIC_URL ?? `${gatewayUrl}/function/baton`).replace(/\/+$/, '');
  return {
    temporal,
    namespace: temporal.namespace,
    taskQueue: e.BATON_TASK_QUEUE,
    gatewayUrl,
    publicUrl,
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    workflowsDir: e.BATON_WORKFLOWS_DIR,
    workflowBundleDir: e.BATON_WORKFLOW_BUNDLE_DIR,
    runWorker: e.BATON_RUN_WORKER === 'true',
    maxConcurrentActivities: e.BATON_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.BATON_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceMs: e.BATON_SHUTDOWN_GRACE_SECONDS * 1000,
    systemTaskQueue: e.BATON_SYSTEM_TASK_QUEUE,
    scaler: {
      enabled: e.BATON_SCALER_ENABLED === 'true',
      functionName: e.BATON_SCALER_FUNCTION,
      intervalMs: e.BATON_SCALER_INTERVAL_SECONDS * 1000,
      targetPerReplica: e.BATON_SCALER_TARGET,
      coolDownMs: e.BATON_SCALER_COOLDOWN_SECONDS * 1000,
      maxStepUp: e.BATON_SCALER_MAX_STEP,
      scaleStepFunctions: e.BATON_SCALER_STEP_FUNCTIONS === 'true',
    },
    limits: {
      maxBodyBytes: e.BATON_MAX_BODY_BYTES,
      maxCallbackBytes: e.BATON_MAX_CALLBACK_BYTES,
      // The Temporal UI's pages call the codec server: their origin is allowed like the API's own.
      allowedOrigins: [
        ...new Set([new URL(publicUrl).origin, ...e.BATON_ALLOWED_ORIGINS, ...e.BATON_CODEC_CORS_ORIGINS]),
      ],
    },
    codecCorsOrigins: e.BATON_CODEC_CORS_ORIGINS,
    codecPublic: e.BATON_CODEC_PUBLIC === 'true',
    oidc:
      e.BATON_OIDC_ISSUER && e.BATON_OIDC_AUDIENCE && e.BATON_OIDC_JWKS_URL
        ? {
            issuer: e.BATON_OIDC_ISSUER,
            audience: e.BATON_OIDC_AUDIENCE,
            jwksUrl: e.BATON_OIDC_JWKS_URL,
            rolesClaim: e.BATON_OIDC_ROLES_CLAIM,
          }
        : undefined,
    temporalMetricsPort: e.BATON_TEMPORAL_METRICS_PORT ?? undefined,
    watchMinIntervalMs: e.BATON_WATCH_MIN_INTERVAL_SECONDS * 1000,
  };
}
