import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The orchestrator's settings, read once from its environment. */
export interface OrchestratorConfig {
  temporalAddress: string;
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
}

const defaultWorkflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url));
const url = z.string().url('must be a URL like http://127.0.0.1:8080');

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  BATON_TASK_QUEUE: z.string().min(1).default('baton-pipelines'),
  BATON_GATEWAY_URL: url,
  BATON_PUBLIC_URL: url.optional(),
  TEMPORAL_UI_URL: url.optional(),
  BATON_WORKFLOWS_DIR: z.string().min(1).default(defaultWorkflowsDir),
  BATON_RUN_WORKER: z.enum(['true', 'false']).default('true'),
  BATON_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  BATON_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).default(40),
});

/** Parses the environment; the error names every wrong key and what it should be. */
export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`orchestrator configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const gatewayUrl = e.BATON_GATEWAY_URL.replace(/\/+$/, '');
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.BATON_TASK_QUEUE,
    gatewayUrl,
    publicUrl: (e.BATON_PUBLIC_URL ?? `${gatewayUrl}/function/baton`).replace(/\/+$/, ''),
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    workflowsDir: e.BATON_WORKFLOWS_DIR,
    runWorker: e.BATON_RUN_WORKER === 'true',
    maxConcurrentActivities: e.BATON_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.BATON_MAX_CONCURRENT_WORKFLOW_TASKS,
  };
}
