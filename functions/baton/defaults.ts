/**
 * The orchestrator's defaults, each with the reason it is what it is. config.ts applies them to the settings a
 * deployment leaves unset (docs/scaling.md and docs/production.md list the keys); the API and the key store use
 * them directly where no configuration reaches.
 */

/** `BATON_TASK_QUEUE`: the queue pipeline runs go to; one name so the trigger and every worker meet without setup. */
export const DEFAULT_TASK_QUEUE = 'baton-pipelines';
/** `BATON_SYSTEM_TASK_QUEUE`: Baton's own workflows (the scaler) apart, so a pipeline backlog cannot starve them. */
export const DEFAULT_SYSTEM_TASK_QUEUE = 'baton-system';
/** `BATON_RUN_WORKER`: a replica is API and worker at once, like any function; an API-only replica opts out. */
export const DEFAULT_RUN_WORKER = true;
/** `BATON_MAX_CONCURRENT_ACTIVITIES`: a step call mostly waits on HTTP, so one replica carries many at once. */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 100;
/** `BATON_MAX_CONCURRENT_WORKFLOW_TASKS`: workflow tasks use the CPU; Temporal's TypeScript SDK's own default. */
export const DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS = 40;
/** `BATON_SHUTDOWN_GRACE_SECONDS`: under the 10 s the stand-in watchdog gives its process after SIGTERM (of-watchdog: its healthcheck_interval). */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 8;

/** `BATON_SCALER_ENABLED`: off, so one controller owns scaling (KEDA or the gateway may); stack.yml turns it on. */
export const DEFAULT_SCALER_ENABLED = false;
/** `BATON_SCALER_FUNCTION`: the orchestrator's name in stack.yml. */
export const DEFAULT_SCALER_FUNCTION = 'baton';
/** `BATON_SCALER_INTERVAL_SECONDS`: the worst part of the reaction time; a tick costs a few list calls. */
export const DEFAULT_SCALER_INTERVAL_SECONDS = 15;
/** `BATON_SCALER_TARGET`: backlog tasks (workflow + activity) per orchestrator replica before another is added. */
export const DEFAULT_SCALER_TARGET = 20;
/** `BATON_SCALER_COOLDOWN_SECONDS`: the scale-down stabilisation window, so a short lull does not drop replicas. */
export const DEFAULT_SCALER_COOLDOWN_SECONDS = 120;
/** `BATON_SCALER_MAX_STEP`: 0 = no limit on replicas added per tick: scale up at once to what the load needs. */
export const DEFAULT_SCALER_MAX_STEP = 0;
/** `BATON_SCALER_STEP_FUNCTIONS`: step functions that set `max_inflight` are scaled too: that limit is their load target. */
export const DEFAULT_SCALER_STEP_FUNCTIONS = true;

/** `BATON_MAX_BODY_BYTES`: requests carry references and settings, never data; 1 MiB is ample and cheap to buffer. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** `BATON_MAX_CALLBACK_BYTES`: above Temporal's 2 MB payload limit, so a function answer Temporal would refuse still gets a clear error. */
export const DEFAULT_MAX_CALLBACK_BYTES = 4 * 1024 * 1024;
/** `BATON_CODEC_PUBLIC`: the codec server decrypts payloads, so it asks for a credential unless told otherwise. */
export const DEFAULT_CODEC_PUBLIC = false;
/** `BATON_OIDC_ROLES_CLAIM`: the token claim listing Baton roles; a name no identity provider uses for itself. */
export const DEFAULT_OIDC_ROLES_CLAIM = 'baton_roles';

/** `GET /runs?limit=`: a page a person reads at a glance. */
export const DEFAULT_LIST_LIMIT = 50;
/** How long a replica trusts its copy of the key list: the longest a revoked key still works elsewhere. */
export const DEFAULT_KEY_CACHE_MS = 5000;

/** The Temporal runtime's Prometheus exporter: a free loopback port per replica, served through `GET /metrics`. */
export const DEFAULT_TEMPORAL_METRICS_PORT = 0;

/**
 * The shortest poll interval a data-change watch may ask for (BATON_WATCH_MIN_INTERVAL_SECONDS): each poll is a call
 * of the source's function and a few history events, so a watch does not hammer a data server or Temporal. Tests
 * lower it through that setting.
 */
export const DEFAULT_WATCH_MIN_INTERVAL_SECONDS = 10;
