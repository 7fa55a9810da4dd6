/**
 * The OpenFaaS gateway's Prometheus metrics, with its names, labels and buckets (faas gateway/metrics/metrics.go,
 * observed in gateway/handlers/notifiers.go): per function call `gateway_function_invocation_started` when it
 * starts, `gateway_function_invocation_total` and the histogram `gateway_functions_seconds` when its answer has
 * been sent, each labelled `function_name` = `<name>.openfaas-fn` and `code` = the HTTP status; and
 * `gateway_service_count`, the desired replicas of every function. Served like the real gateway's: `/metrics` on a
 * port of its own, without credentials (metricsApp).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FUNCTION_NAMESPACE, type GatewayBackend } from './backend.ts';
import { splitQualifiedName } from './namespace.ts';

/** The `function_name` label as the OpenFaaS gateway writes it: always with the namespace. */
export function functionLabel(name: string): string {
  return `${name}.${FUNCTION_NAMESPACE}`;
}

/** The gateway's metrics: one registry per gateway (tests run several in one process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<'function_name'>;
  private readonly completed: Counter<'function_name' | 'code'>;
  private readonly seconds: Histogram<'function_name' | 'code'>;

  constructor(backend: Pick<GatewayBackend, 'listFunctions'>) {
    const registers = [this.registry];
    // Names and help texts as the real gateway's; prom-client's default buckets are client_golang's DefBuckets,
    // which the real histogram uses.
    const byFunction = ['function_name'] as const;
    const byCall = ['function_name', 'code'] as const;
    const options = <L extends string>(name: string, help: string, labelNames: readonly L[]) => ({
      name,
      help,
      labelNames,
      registers,
    });
    this.started = new Counter(
      options('gateway_function_invocation_started', 'The total number of function HTTP requests started.', byFunction),
    );
    this.completed = new Counter(options('gateway_function_invocation_total', 'Function metrics', byCall));
    this.seconds = new Histogram(options('gateway_functions_seconds', 'Function time taken', byCall));
    new Gauge({
      name: 'gateway_service_count',
      help: 'Current count of replicas for function',
      labelNames: ['function_name'],
      registers,
      // Read at each scrape (the real gateway polls its provider every 5 s): removed functions drop out.
      collect() {
        this.reset();
        for (const fn of backend.listFunctions()) this.set({ function_name: functionLabel(fn.spec.name) }, fn.replicas);
      },
    });
    // The real gateway's registry carries its process metrics too (Go's); these are Node's.
    collectDefaultMetrics({ register: this.registry });
  }

  /** A call to `name` was accepted for forwarding. */
  callStarted(name: string): void {
    this.started.inc({ function_name: functionLabel(name) });
  }

  /** A call to `name` ended with `code` after `seconds` (its answer sent, or the gateway's own error). */
  callCompleted(name: string, code: number, seconds: number): void {
    const labels = { function_name: functionLabel(name), code: String(code) };
    this.completed.inc(labels);
    this.seconds.observe(labels, seconds);
  }

  /** The text exposition format Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Observes every `/function/*` call to a function the gateway runs: started before it is forwarded, completed when
 * the last byte of the answer has gone (as the real gateway's notifier, after its copy of the body) or the caller
 * went away. Calls to unknown functions or namespaces are not recorded, so a stranger cannot grow the label set.
 */
export function observeFunctionCalls(
  metrics: GatewayMetrics,
  backend: Pick<GatewayBackend, 'getFunction'>,
): MiddlewareHandler {
  return async (c, next) => {
    const qualified = /^\/function\/([^/]+)/.exec(c.req.path)?.[1] ?? '';
    const { name, namespace } = splitQualifiedName(qualified);
    if (namespace !== FUNCTION_NAMESPACE || !backend.getFunction(name)) return next();
    metrics.callStarted(name);
    const start = performance.now();
    await next(); // a thrown GatewayError is already c.res here (Hono's onError)
    const code = c.res.status;
    let done = false;
    const complete = () => {
      if (done) return;
      done = true;
      metrics.callCompleted(name, code, (performance.now() - start) / 1000);
    };
    if (!c.res.body) return complete();
    const counted = c.res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({ flush: complete, cancel: complete } as Transformer<
        Uint8Array,
        Uint8Array
      >),
    );
    c.res = new Response(counted, c.res);
  };
}

/**
 * The metrics listener's routes, as the real gateway's second server (port 8082): `/metrics` and `/healthz`,
 * without credentials. It holds no secret: function names, status codes, timings and replica counts.
 */
export function metricsApp(metrics: GatewayMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
  app.on(['GET', 'HEAD'], '/healthz', (c) => c.text('OK'));
  app.notFound((c) => c.text('404 page not found', 404));
  return app;
}
