/**
 * The orchestrator's tracing: the Temporal SDK's OpenTelemetry interceptors on the trigger API's client (a run's
 * trace starts with `StartWorkflow`), in the pipeline workflows (`RunWorkflow`, `StartActivity`: the context
 * travels in Temporal headers, not in payloads) and on the worker's activities (`RunActivity`, whose context the
 * invoke activity hands to the function as W3C `traceparent`). On only when an OTLP endpoint is set (see
 * template/baton-node/tracing.ts); off, nothing is loaded and no interceptor runs.
 */
import { createRequire } from 'node:module';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { contextFromHeaders, inSpan, SpanKind, startTracing } from '../../../template/baton-node/tracing.ts';

/** The module the pipelines' workflow bundle takes its tracing interceptors from (deploy/images/ bundles it too). */
export function workflowTracingModule(): string {
  // Resolved when asked: an image runs a prebuilt bundle and has no node_modules to resolve in.
  return createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
}

/** What the orchestrator's client and pipeline worker take from tracing. */
export interface TemporalTracing {
  /** The trigger API's client interceptors (none when tracing is off). */
  client: ClientInterceptors | undefined;
  /** The pipeline worker's interceptors and the workflow span exporter sink. */
  worker(code: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>): Pick<WorkerOptions, 'interceptors' | 'sinks'>;
}

/**
 * Starts tracing as service `baton` when the environment asks for it, and builds the Temporal interceptors. The
 * exporter sink is registered in any case: a prebuilt pipelines bundle always holds the workflow interceptors (an
 * image turns tracing on by its environment alone), and their spans go nowhere when tracing is off.
 */
export async function startTemporalTracing(env: NodeJS.ProcessEnv = process.env): Promise<TemporalTracing> {
  const tracing = await startTracing('baton', env);
  if (!tracing) return { client: undefined, worker: () => ({ sinks: { exporter: droppedWorkflowSpans } }) };
  const [{ OpenTelemetryWorkflowClientInterceptor }, worker] = await Promise.all([
    import('@temporalio/interceptors-opentelemetry/lib/client/index.js'),
    import('@temporalio/interceptors-opentelemetry/lib/worker/index.js'),
  ]);
  return {
    client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    worker: (code) => ({
      interceptors: {
        // With a prebuilt bundle the interceptors are in it already (the worker ignores workflowModules then).
        workflowModules: code.workflowBundle ? [] : [workflowTracingModule()],
        activity: [
          (ctx) => ({
            inbound: new worker.OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new worker.OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: worker.makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    }),
  };
}

/** The workflow span sink when tracing is off: the spans of a prebuilt bundle's interceptors are dropped. */
const droppedWorkflowSpans = { export: { fn: () => {}, callDuringReplay: false } };

/**
 * Wraps the trigger API's `fetch` in a server span that continues the caller's trace (`traceparent`), so a run's
 * `StartWorkflow` is its child. The span names the method only: paths carry run ids and sealed callback
 * references, which have no place in a span name. Health probes are not traced.
 */
export function traceRequests<T extends (request: Request, ...rest: never[]) => Response | Promise<Response>>(
  fetch: T,
): T {
  return (async (request: Request, ...rest: never[]) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith('/healthz')) return fetch(request, ...rest);
    return inSpan(
      {
        name: `trigger API ${request.method}`,
        kind: SpanKind.SERVER,
        parent: contextFromHeaders(Object.fromEntries(request.headers)),
        attributes: { 'http.request.method': request.method },
      },
      async (span) => {
        const response = await fetch(request, ...rest);
        span?.setAttribute('http.response.status_code', response.status);
        return response;
      },
    );
  }) as T;
}
