/**
 * The orchestrator function: the trigger API and the Temporal worker in one process, so it scales like any
 * other OpenFaaS function. The `baton-node-service` template calls `start`.
 */
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { buildStepCatalog } from '../../activities/step-catalog.ts';
import { readSecret } from '../../template/baton-node/secrets.ts';
import { MIN_KEY_LENGTH, SIGNING_KEY_SECRET } from '../../template/baton-node/step-signature.ts';
import { ArtifactStore, artifactStoreConfigFromEnv } from '../../template/baton-node/artifacts.ts';
import { createApi } from './api/app.ts';
import { ADMIN_KEY_SECRET, authenticator } from './auth/authenticate.ts';
import { ApiKeyStore } from './auth/key-store.ts';
import { oidcVerifier } from './auth/oidc.ts';
import { encryptedDataConverter } from './codec/data-converter.ts';
import { loadOrchestratorConfig } from './config.ts';
import { startPipelineWorker, type PipelineWorker } from './pipeline-worker.ts';
import { startScaling } from '../../scaler/worker/scaling.ts';
import { loadCatalog } from './workflow-code.ts';
import { connectClientConnection, connectWorkerConnection } from './temporal/connect.ts';
import { checkSearchAttributes } from './temporal/search-attributes.ts';
import { installRedactingRuntimeLogger } from './temporal/runtime-logger.ts';
import { startTemporalTracing, traceRequests } from './telemetry/tracing.ts';
import { shutdownTracing } from '../../template/baton-node/tracing.ts';
import { BatonMetrics } from './telemetry/metrics.ts';
import { runMetricsSinks } from './telemetry/run-metrics-sinks.ts';
import { apiMetrics, installWithWorkerMetrics, workerMetricsEndpoint } from './telemetry/worker-metrics.ts';

/** A started service, as the baton-node-service template expects. */
export interface Service {
  close(): Promise<void>;
}

export async function start({ port }: { port: number }): Promise<Service> {
  const config = loadOrchestratorConfig();
  const workerMetrics = await workerMetricsEndpoint(config.temporalMetricsPort);
  // Before any worker connection: the SDK's log lines carry task tokens otherwise, and the runtime takes its
  // metrics exporter only when installed.
  installWithWorkerMetrics(workerMetrics, installRedactingRuntimeLogger);
  const metrics = new BatonMetrics();
  const tracing = await startTemporalTracing(); // OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing otherwise
  const { pipelines, steps: everyStep } = await loadCatalog(config);
  const steps = buildStepCatalog(everyStep, pipelines);
  const callbackKey = readSecret('baton-callback-key', undefined, { minLength: MIN_KEY_LENGTH }); // seals attempt references: 256 bits or more
  // Signs every step call; each function holds only the key derived from it for its own name.
  const signingKey = readSecret(SIGNING_KEY_SECRET, undefined, { minLength: MIN_KEY_LENGTH }).trim();
  // The bootstrap admin credential: creates the other keys (`npx baton keys create`).
  const adminKey = readSecret(ADMIN_KEY_SECRET, undefined, { minLength: MIN_KEY_LENGTH }).trim();
  const dataConverter = encryptedDataConverter();
  console.log(`baton: connecting to ${config.temporal.summary}`);
  // Before anything else: a wrong address, CA, certificate, API key or namespace stops start-up here, named. The
  // checked connection is then the one both workers share: one connection and one check per replica.
  const workerConnection = await connectWorkerConnection(config.temporal);
  const connection = await connectClientConnection(config.temporal).catch(async (error: unknown) => {
    await workerConnection.close();
    throw error;
  });
  await checkSearchAttributes(connection, config.namespace).catch(async (error: unknown) => {
    await Promise.all([connection.close(), workerConnection.close()]);
    throw error;
  });
  // Payloads are encrypted before they reach Temporal; the workers (and the scaler's) use the client's converter.
  const client = new Client({ connection, namespace: config.namespace, dataConverter, interceptors: tracing.client });
  // The API is built before the workers start: a mistake in its settings stops start-up with nothing running.
  let worker: PipelineWorker | undefined;
  // Made on first use, like the registry: an orchestrator that only ever sees the admin key needs no storage.
  let keyStore: ApiKeyStore | undefined;
  const keys = () => (keyStore ??= new ApiKeyStore(new ArtifactStore(artifactStoreConfigFromEnv())));
  const authenticate = authenticator({
    adminKey,
    keys: { authenticate: (key) => keys().authenticate(key) },
    oidc: config.oidc ? oidcVerifier(config.oidc, (reason) => console.warn(`baton: ${reason}`)) : undefined,
  });
  const app = createApi({
    client,
    taskQueue: config.taskQueue,
    namespace: config.namespace,
    pipelines,
    steps,
    callbackKey,
    signingKey,
    publicUrl: config.publicUrl,
    temporalUiUrl: config.temporalUiUrl,
    limits: config.limits,
    codecCorsOrigins: config.codecCorsOrigins,
    codecPublic: config.codecPublic,
    authenticate,
    keys,
    health: () => ({ worker: worker ? worker.state().toLowerCase() : 'disabled' }),
    metrics: apiMetrics(metrics, workerMetrics),
    watchMinIntervalMs: config.watchMinIntervalMs,
  });
  let scaling: Awaited<ReturnType<typeof startScaling>> | undefined;
  try {
    worker = config.runWorker
      ? await startPipelineWorker(
          config,
          workerConnection,
          steps,
          { baseUrl: config.publicUrl, key: callbackKey },
          signingKey,
          dataConverter,
          runMetricsSinks(metrics, pipelines, steps),
          tracing,
        )
      : undefined;
    worker?.done.catch((error: unknown) => {
      // A crashed worker makes this replica useless: exit so the platform restarts it.
      console.error('Temporal worker stopped with an error:', error);
      process.exit(1);
    });
    scaling = config.runWorker
      ? await startScaling(config, {
          client,
          connection,
          workerConnection,
          steps,
          onDecision: (decision) => metrics.scalerDecision(decision.function, decision.from, decision.to),
        })
      : undefined;
  } catch (error) {
    // Nothing may keep polling for a replica that failed to start.
    await worker?.stop();
    await Promise.all([connection.close(), workerConnection.close()]);
    throw error;
  }
  const server = serve({ fetch: traceRequests(app.fetch), port, hostname: '127.0.0.1' });
  console.log(
    `baton: trigger API on 127.0.0.1:${port}, worker ${worker ? `polling "${config.taskQueue}"` : 'disabled'}, ${pipelines.length} pipeline(s), metrics at GET /metrics (Temporal worker's exporter ${workerMetrics?.url ?? 'off'})`,
  );

  return {
    // SIGTERM (scale-down): both workers stop polling at once and finish or hand back what they hold within
    // the shutdown grace, while the HTTP server finishes its requests; then the connection closes.
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        worker?.stop(),
        scaling?.stop(),
      ]);
      await Promise.all([connection.close(), workerConnection.close()]);
      await shutdownTracing(); // the last spans leave before the replica does
    },
  };
}
