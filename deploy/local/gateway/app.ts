import { Hono } from 'hono';
import type { Dispatcher } from 'undici';
import { GatewayError } from './gateway-error.ts';
import { asyncFunctionRoutes, queueStatsHandler } from './async.ts';
import { AsyncQueue } from './async-queue.ts';
import { basicAuth, type BasicAuthCredentials } from './auth.ts';
import type { GatewayBackend } from './backend.ts';
import { logsHandler } from './logs.ts';
import { observeFunctionCalls, type GatewayMetrics } from './metrics.ts';
import type { GatewayVersion } from './info.ts';
import { functionProxy } from './proxy.ts';
import { systemRoutes } from './system.ts';

/** What the gateway serves and how. */
export interface GatewayAppOptions {
  backend: GatewayBackend;
  /** When set, `/system/*` requires these credentials. */
  basicAuth?: BasicAuthCredentials;
  /** How long a call waits for a starting replica before 503 (default 5000). */
  replicaWaitMs?: number;
  /** Upstream timeout = max(exec_timeout, write_timeout) + this (default 5000). */
  upstreamTimeoutMarginMs?: number;
  /** The HTTP client pool for calls to replicas (default: undici's global one). */
  dispatcher?: Dispatcher;
  /** The queue behind `/async-function/*` (default: one with default settings); its owner stops it. */
  asyncQueue?: AsyncQueue;
  /** What `/system/info` reports (default release `dev`, no sha). */
  version?: GatewayVersion;
  /** Where `/function/*` calls are counted and timed (served by metricsApp on a port of its own); default none. */
  metrics?: GatewayMetrics;
}

/**
 * The local gateway's routes: the OpenFaaS gateway and provider API for functions and the system API, as faas-cli
 * calls it (see docs/design.md, "The OpenFaaS gateway API"). Errors are text/plain, as OpenFaaS answers them.
 */
export function createGatewayApp(options: GatewayAppOptions): Hono {
  const invocations = new Map<string, number>();
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof GatewayError) return c.text(err.message, err.status as 400, err.headers);
    console.error('local gateway: unexpected error:', err);
    return c.text('internal error in the local gateway', 500);
  });
  app.notFound((c) => c.text('404 page not found', 404));

  app.on(['GET', 'HEAD'], '/healthz', (c) => c.text('OK'));

  if (options.basicAuth) app.use('/system/*', basicAuth(options.basicAuth));
  const version = options.version ?? { release: 'dev', sha: '' };
  app.route(
    '/system',
    systemRoutes(options.backend, (name) => invocations.get(name) ?? 0, version),
  );
  app.get('/system/logs', logsHandler(options.backend));
  const asyncQueue = options.asyncQueue ?? new AsyncQueue({ backend: options.backend, dispatcher: options.dispatcher });
  app.get('/system/queue', queueStatsHandler(asyncQueue));

  if (options.metrics) app.use('/function/*', observeFunctionCalls(options.metrics, options.backend));
  app.all(
    '/function/*',
    functionProxy({
      backend: options.backend,
      replicaWaitMs: options.replicaWaitMs ?? 5_000,
      upstreamTimeoutMarginMs: options.upstreamTimeoutMarginMs ?? 5_000,
      countInvocation: (name) => invocations.set(name, (invocations.get(name) ?? 0) + 1),
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    }),
  );
  app.route('/async-function', asyncFunctionRoutes(options.backend, asyncQueue));
  asyncQueue.attach(async (request) => app.fetch(request)); // queued calls run through /function/* above
  return app;
}
