/**
 * The orchestrator's workflow bundles made once, as `npm run build` makes them for an image: the fault tests start
 * many orchestrators (every supervisor restart, every killed replica), and each would otherwise run webpack at
 * start — tens of seconds on a busy 2-core machine, during which runs wait for a worker.
 */
import { join } from 'node:path';
import { prebuildWorkflowBundles } from '../../deploy/images/node-bundle.ts';

/** Builds the bundles under `dir`; answers the function environment that makes orchestrators load them. */
export async function prebuiltWorkflowEnv(dir: string): Promise<Record<string, string>> {
  await prebuildWorkflowBundles(dir);
  return { BATON_WORKFLOW_BUNDLE_DIR: join(dir, 'workflows') };
}
