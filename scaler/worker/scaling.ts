/**
 * The orchestrator's part in scaling: every replica runs the small system worker (so the scaler survives the
 * loss of any replica), and, when BATON_SCALER_ENABLED=true, starts or re-configures the singleton scaler.
 */
import { createGatewayFunctions, type GatewayCredentials } from '../activities/gateway-functions.ts';
import { readSecret } from '../../template/baton-node/secrets.ts';
import type { OrchestratorConfig } from '../../functions/baton/config.ts';
import type { PipelineWorker } from '../../functions/baton/pipeline-worker.ts';
import { ensureScaler, scalerSettings } from './start-scaler.ts';
import { startSystemWorker, type SystemWorkerDeps } from './system-worker.ts';

/** Starts the system worker and, when enabled, the scaler; `stop()` stops the worker gracefully. */
export async function startScaling(
  config: OrchestratorConfig,
  deps: Omit<SystemWorkerDeps, 'gateway'>,
): Promise<PipelineWorker> {
  const gateway = createGatewayFunctions({ gatewayUrl: config.gatewayUrl, credentials: gatewayCredentials() });
  const worker = await startSystemWorker(config, { ...deps, gateway });
  worker.done.catch((error: unknown) => {
    console.error('Temporal system worker stopped with an error:', error);
    process.exit(1);
  });
  if (config.scaler.enabled) {
    const settings = scalerSettings(config);
    await ensureScaler(deps.client, config.systemTaskQueue, settings);
    console.log(`baton: scaler on (${JSON.stringify(settings)})`);
  }
  return worker;
}

/** The gateway's basic-auth credentials when the function declares them (OpenFaaS mounts them as secrets). */
function gatewayCredentials(): GatewayCredentials | undefined {
  try {
    return { user: readSecret('basic-auth-user'), password: readSecret('basic-auth-password') };
  } catch {
    return undefined; // a gateway without basic auth; a 401 later names the missing secrets
  }
}
