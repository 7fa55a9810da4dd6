/**
 * The Temporal worker's own metrics (`temporal_*`: polls, task latencies, slots, sticky cache, ...), exported by the
 * SDK runtime's Prometheus exporter on a loopback port and read back by the trigger API's `GET /metrics`, so one
 * authenticated scrape of a replica gives Baton's metrics and the worker's. The runtime takes its exporter once,
 * when installed, before any worker connection (temporal/runtime-logger.ts).
 */
import { createServer } from 'node:net';
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { ApiMetrics } from '../api/app.ts';
import type { BatonMetrics } from './metrics.ts';

/** Where the runtime's exporter listens, and what to install for it. */
export interface WorkerMetricsEndpoint {
  /** e.g. `http://127.0.0.1:40123/metrics`. */
  url: string;
  exporter: MetricsExporterConfig;
}

/** The exporter on 127.0.0.1:`port` (0: a port free now, for replicas sharing a host); undefined: none. */
export async function workerMetricsEndpoint(port: number | undefined): Promise<WorkerMetricsEndpoint | undefined> {
  if (port === undefined) return undefined;
  const bound = port === 0 ? await freeLoopbackPort() : port;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    exporter: {
      // Prometheus' conventions: counters end in _total, durations in seconds with their unit in the name.
      prometheus: {
        bindAddress: `127.0.0.1:${bound}`,
        countersTotalSuffix: true,
        unitSuffix: true,
        useSecondsForDurations: true,
      },
    },
  };
}

/** The exporter's text, or a comment saying why there is none (a scrape still gets Baton's own metrics). */
export async function readWorkerMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return `# temporal worker metrics unavailable: ${url} answered ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# temporal worker metrics unavailable: ${(error as Error).message}\n`;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What `GET /metrics` answers: Baton's metrics, then the worker's when its exporter runs. */
export function apiMetrics(metrics: BatonMetrics, worker: WorkerMetricsEndpoint | undefined): ApiMetrics {
  return {
    async scrape() {
      const [own, temporal] = await Promise.all([metrics.render(), worker ? readWorkerMetrics(worker.url) : '']);
      return `${own}${own.endsWith('\n') ? '' : '\n'}${temporal}`;
    },
    promotedByApi: () => metrics.promoted('api'),
  };
}

/**
 * Runs `install` (the runtime's, with the exporter of `endpoint`): an exporter that cannot listen stops start-up
 * with an error naming the setting.
 */
export function installWithWorkerMetrics(
  endpoint: WorkerMetricsEndpoint | undefined,
  install: (exporter: MetricsExporterConfig | undefined) => void,
): void {
  try {
    install(endpoint?.exporter);
  } catch (error) {
    if (!endpoint) throw error;
    throw new Error(
      `BATON_TEMPORAL_METRICS_PORT: the Temporal worker's metrics exporter cannot listen for ${endpoint.url} (${(error as Error).message}): set a free port, 0 for any free one, or off`,
      { cause: error },
    );
  }
}
