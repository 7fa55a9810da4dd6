import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { pipelineWorkflowCode } from './workflow-code.ts';
import type { OrchestratorConfig } from './config.ts';

test('the pipelines bundle preloads zod once per workflow thread', async () => {
  const code = pipelineWorkflowCode({} as OrchestratorConfig);
  const { code: bundle } = await bundleWorkflowCode({
    workflowsPath: code.workflowsPath!,
    preloadModules: code.bundlerOptions?.preloadModules,
    logger: new DefaultLogger('WARN'),
  });
  // webpack drops a bare `require('zod')` (zod declares no side effects): the shared module must survive bundling.
  const preload = /exports\.preloadModules = function preloadModules\(\) \{([\s\S]*?)\n\}/.exec(bundle)?.[1] ?? '';
  assert.match(preload, /__webpack_require__\([^)]*"\.\/workflows\/shared-zod\.ts"\)/);
});
