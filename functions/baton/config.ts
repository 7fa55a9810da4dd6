import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadTemporalConnectSettings, TemporalSettingsError, type TemporalConnectSettings } from './temporal/connect-settings.ts';

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
  /** Folder with `index.ts` (workflows to bundle) and `catalog.ts` (pipeline definitions). */
  workflowsDir: string;
  /** Whether this replica runs the Temporal worker (an API-only replica sets it to false). */
  runWorker: boolean;
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** After SIGTERM: how long running activities may finish before they are cancelled (and retried elsewhere). */
  shutdownGraceMs: number;
  /** The small task queue of Baton's own workflows (the scaler), polled by a separate worker. */
  systemTaskQueue: string;
  scaler: ScalerConfig;
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

const defaultWorkflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url));
const url = z.string().url('must be a URL like http://127.0.0.1:8080');
const seconds = z.coerce.number().min(0, 'must be seconds (0 or more)');

const schema = z.object({
  BATON_TASK_QUEUE: z.string().min(1).default('baton-pipelines'),
  BATON_GATEWAY_URL: url,
  BATON_PUBLIC_URL: url.optional(),
  TEMPORAL_UI_URL: url.optional(),
  BATON_WORKFLOWS_DIR: z.string().min(1).default(defaultWorkflowsDir),
  BATON_RUN_WORKER: z.enum(['true', 'false']).default('true'),
  BATON_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  BATON_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).default(40),
  // Under the 10 s the stand-in watchdog gives its process after SIGTERM (of-watchdog: its healthcheck_interval).
  BATON_SHUTDOWN_GRACE_SECONDS: seconds.default(8),
  BATON_SYSTEM_TASK_QUEUE: z.string().min(1).default('baton-system'),
  BATON_SCALER_ENABLED: z.enum(['true', 'false']).default('false'),
  BATON_SCALER_FUNCTION: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a function name like baton').default('baton'),
  BATON_SCALER_INTERVAL_SECONDS: seconds.min(0.5).default(15),
  BATON_SCALER_TARGET: z.coerce.number().positive('must be above 0').default(20),
  BATON_SCALER_COOLDOWN_SECONDS: seconds.default(120),
  BATON_SCALER_MAX_STEP: z.coerce.number().int().min(0).default(0),
  BATON_SCALER_STEP_FUNCTIONS: z.enum(['true', 'false']).default('true'),
});

/** Parses the environment; the error names every wrong key and what it should be. */
export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  let temporal: TemporalConnectSettings | undefined;
  try {
    temporal = loadTemporalConnectSettings(env);
  } catch (error) {
    if (!(error instanceof TemporalSettingsError)) throw error;
    problems.unshift(...error.problems);
  }
  if (!parsed.success || !temporal) throw new Error(`orchestrator configuration is invalid:\n  ${problems.join('\n  ')}`);
  const e = parsed.data;
  const gatewayUrl = e.BATON_GATEWAY_URL.replace(/\/+$/, '');
  return {
    temporal,
    namespace: temporal.namespace,
    taskQueue: e.BATON_TASK_QUEUE,
    gatewayUrl,
    publicUrl: (e.BATON_PUBLIC_URL ?? `${gatewayUrl}/function/baton`).replace(/\/+$/, ''),
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    workflowsDir: e.BATON_WORKFLOWS_DIR,
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
  };
}
