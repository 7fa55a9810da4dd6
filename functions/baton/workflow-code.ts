/**
 * Where the orchestrator's workers get their workflow code, and the trigger API its pipelines. Images run with
 * `BATON_WORKFLOW_BUNDLE_DIR`: the bundles `npm run build` made (`pipelines.js`, `system.js`), so a replica never
 * runs webpack at start, as Temporal advises for production. From source (the local stack) the workers bundle
 * `workflows/` (or `BATON_WORKFLOWS_DIR`, the tests' fixtures) at start.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';
import type { PipelineDefinition } from '../../workflows/pipeline-definition.ts';
import type { StepDefinition } from '../../workflows/step-definition.ts';
import type { OrchestratorConfig } from './config.ts';

/** The prebuilt bundles' file names in `BATON_WORKFLOW_BUNDLE_DIR` (deploy/images/ writes them). */
export const WORKFLOW_BUNDLE_FILES = { pipelines: 'pipelines.js', system: 'system.js' } as const;

/** The repository's workflow entry points, bundled by `npm run build` or at start. */
export const WORKFLOW_SOURCES = {
  pipelines: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
  system: fileURLToPath(new URL('../../scaler/workflow/index.ts', import.meta.url)),
} as const;

/**
 * The pipelines' workflow interceptor modules, bundled with their workflows at start and by `npm run build`: run and
 * step metrics through the worker's `batonMetrics` sink (telemetry/run-metrics-sinks.ts).
 */
export const PIPELINE_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../../workflows/run-metrics.ts', import.meta.url))];

/**
 * Modules each pipeline workflow thread loads once and shares between runs (workflows/shared-zod.ts), bundled with the
 * workflows at start and by `npm run build`.
 */
export const PRELOADED_PIPELINE_MODULES = [fileURLToPath(new URL('../../workflows/shared-zod.ts', import.meta.url))];

type WorkflowCode = Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle' | 'bundlerOptions'>;

/** The pipeline worker's workflows. */
export function pipelineWorkflowCode(config: OrchestratorConfig): WorkflowCode {
  if (config.workflowBundleDir)
    return { workflowBundle: { codePath: join(config.workflowBundleDir, WORKFLOW_BUNDLE_FILES.pipelines) } };
  return {
    workflowsPath: config.workflowsDir ? join(config.workflowsDir, 'index.ts') : WORKFLOW_SOURCES.pipelines,
    bundlerOptions: { preloadModules: PRELOADED_PIPELINE_MODULES },
  };
}

/** The system worker's workflows (the scaler). */
export function systemWorkflowCode(config: OrchestratorConfig): WorkflowCode {
  if (config.workflowBundleDir)
    return { workflowBundle: { codePath: join(config.workflowBundleDir, WORKFLOW_BUNDLE_FILES.system) } };
  return { workflowsPath: WORKFLOW_SOURCES.system };
}

/** What a catalog module exports: the pipelines the trigger API offers, and every step their workflows call. */
export interface WorkflowCatalog {
  pipelines: readonly PipelineDefinition[];
  steps: readonly StepDefinition[];
}

/** The built-in catalog (bundled with the image), or BATON_WORKFLOWS_DIR's `catalog.ts`. */
export async function loadCatalog(config: OrchestratorConfig): Promise<WorkflowCatalog> {
  const file = config.workflowsDir ? join(config.workflowsDir, 'catalog.ts') : undefined;
  const catalog = (file ? await import(file) : await import('../../workflows/catalog.ts')) as Partial<WorkflowCatalog>;
  for (const key of ['pipelines', 'steps'] as const) {
    if (!Array.isArray(catalog[key]))
      throw new Error(
        `${file ?? 'workflows/catalog.ts'} must export \`${key}\`, an array (BATON_WORKFLOWS_DIR's catalog exports its pipelines and every step they call)`,
      );
  }
  return catalog as WorkflowCatalog;
}
