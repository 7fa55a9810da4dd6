/**
 * OpenTelemetry tracing for Baton's Node processes (step functions and the orchestrator). On when an OTLP endpoint
 * is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, the standard variables): spans go
 * over OTLP/HTTP (protobuf) and W3C `traceparent` is read and written. Off otherwise: the SDK is never loaded and
 * the helpers below call straight through, so an untraced function pays nothing.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The tracer name of Baton's own spans (the Temporal interceptors use theirs). */
export const TRACER_NAME = 'baton';

/** A started tracing pipeline: what the Temporal interceptors need, and how to flush it at exit. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Exports what is buffered and stops; called on SIGTERM. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces: an OTLP endpoint set, and neither the SDK nor the exporter turned off. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** Baton exports OTLP over HTTP with protobuf bodies only; another protocol setting is a mistake to name at start. */
export function checkOtlpProtocol(env: NodeJS.ProcessEnv = process.env): void {
  for (const key of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const value = env[key]?.trim();
    if (value && value !== 'http/protobuf')
      throw new Error(
        `${key}=${value} is not supported: Baton exports traces as OTLP over HTTP (http/protobuf); unset it and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (usually 4318)`,
      );
  }
}

let started: Promise<Tracing | undefined> | undefined;
let active = false;

/** Whether this process exports spans (startTracing found an endpoint). */
export function tracingActive(): boolean {
  return active;
}

/**
 * Starts tracing once per process when the environment asks for it (see tracingRequested), as service
 * `serviceName` unless `OTEL_SERVICE_NAME` says otherwise (`OTEL_RESOURCE_ATTRIBUTES` adds attributes). Resolves
 * to undefined when tracing is off.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  return (started ??= load(serviceName, env).catch((error: unknown) => {
    started = undefined;
    throw error;
  }));
}

/** How long shutdown waits for the last export: an unreachable collector must not hold a replica's exit. */
const SHUTDOWN_WAIT_MS = 3000;

/** Flushes and stops tracing if it was started (waiting at most a few seconds); harmless otherwise. */
export async function shutdownTracing(): Promise<void> {
  const tracing = await started?.catch(() => undefined);
  if (!tracing) return;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
    timer.unref();
  });
  await Promise.race([tracing.shutdown().catch(() => {}), waited]);
  clearTimeout(timer);
}

async function load(serviceName: string, env: NodeJS.ProcessEnv): Promise<Tracing | undefined> {
  if (!tracingRequested(env)) return undefined;
  checkOtlpProtocol(env);
  // Loaded only when on: an untraced function never parses the SDK.
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
  ]);
  // The exporter reads headers, timeout and compression from the OTEL_EXPORTER_OTLP_* variables itself; the endpoint
  // and the export delay come from `env` (the process's environment unless a test passes its own).
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(env) }), batchSettings(env));
  const resource = resources.Resource.default()
    .merge(new resources.Resource({ 'service.name': serviceName }))
    .merge(resources.envDetectorSync.detect());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register(); // AsyncLocalStorage context, W3C trace context and baggage propagation
  active = true;
  return {
    resource,
    spanProcessor,
    shutdown: async () => {
      active = false;
      await provider.shutdown();
    },
  };
}

/** The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
export function tracesUrl(env: NodeJS.ProcessEnv): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '');
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function checkedUrl(key: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`${key} must be an http(s) URL of an OTLP/HTTP receiver, e.g. http://collector:4318`);
  return value;
}

/** OTEL_BSP_SCHEDULE_DELAY (ms between exports), when `env` sets it. */
function batchSettings(env: NodeJS.ProcessEnv): { scheduledDelayMillis?: number } {
  const raw = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  if (!raw) return {};
  const delay = Number(raw);
  if (!Number.isInteger(delay) || delay < 0)
    throw new Error(`OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds, got "${raw}"`);
  return { scheduledDelayMillis: delay };
}

/** Reads the caller's W3C trace context from incoming HTTP headers (Node's lower-cased header object). */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), headers);
}

/** Writes the active trace context (`traceparent`, `tracestate`) into outgoing headers; nothing when tracing is off. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (active) propagation.inject(context.active(), headers);
}

/** What a traced operation is: its span name, kind, attributes and, for a server span, the caller's context. */
export interface SpanSpec {
  name: string;
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; default the active context. */
  parent?: Context;
}

/**
 * Runs `fn` in a span (the active one while it runs), ended when `fn` settles; an exception marks it as an error.
 * With tracing off, `fn` runs as it is and gets no span.
 */
export async function inSpan<T>(spec: SpanSpec, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!active) return fn(undefined);
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    spec.name,
    { kind: spec.kind ?? SpanKind.INTERNAL, attributes: spec.attributes },
    spec.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        markError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** `inSpan` for a synchronous `fn`. */
export function inSpanSync<T>(spec: SpanSpec, fn: (span: Span | undefined) => T): T {
  if (!active) return fn(undefined);
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(
      spec.name,
      { kind: spec.kind ?? SpanKind.INTERNAL, attributes: spec.attributes },
      spec.parent ?? context.active(),
    );
  try {
    return context.with(trace.setSpan(spec.parent ?? context.active(), span), () => fn(span));
  } catch (error) {
    markError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records `error` on `span` as its status (the message only: a stack may quote data). */
export function markError(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

export { SpanKind, SpanStatusCode };
