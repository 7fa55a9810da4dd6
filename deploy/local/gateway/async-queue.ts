import type { Dispatcher } from 'undici';
import { GatewayError } from './gateway-error.ts';
import { copiedResponseHeaders, postCallback, type CallbackResult } from './async-callback.ts';
import type { FunctionView, GatewayBackend } from './backend.ts';

/** How big the async queue is and how much of it runs at once (every field has a default). */
export interface AsyncQueueSettings {
  /**
   * Calls waiting (not yet running) over all functions; one more answers 429. Default 1000: the queue lives in
   * memory and a call is small (an envelope with references, never artifact bytes).
   */
  capacity?: number;
  /** Calls running at once over all functions: the one-machine cap. Default 16. */
  maxInFlight?: number;
  /**
   * Calls running at once per ready replica of a function that sets no `max_inflight` in its environment (one
   * that does gets `max_inflight` per ready replica, so its watchdog never answers 429 to the queue's own calls).
   * Default 1, the community queue-worker's `max_inflight` default: long steps are CPU-bound.
   */
  inFlightPerReplica?: number;
  /** How long the enqueue-time check of `X-Callback-Url` (DNS + TCP connect) may take. Default 1000 ms. */
  callbackCheckTimeoutMs?: number;
  /** How long the one POST of a result to `X-Callback-Url` may take. Default 30 000 ms. */
  callbackTimeoutMs?: number;
  /** The largest request body accepted on `/async-function/*` (413 beyond). Default 1 MiB, as NATS' max_payload. */
  maxBodyBytes?: number;
  /**
   * Origins (`http://host:port`) an `X-Callback-Url` may point at; any other is refused with 400 before anything is
   * contacted, so the queue cannot be made to probe or post to arbitrary hosts. Default none: no callbacks.
   */
  callbackOrigins?: readonly string[];
}

/** Everything an AsyncQueue needs besides its settings. */
export interface AsyncQueueOptions extends AsyncQueueSettings {
  backend: GatewayBackend;
  /** Called with each line the queue writes (instance `gateway`), besides the backend's log store. */
  onLog?: (fn: string, instance: string, line: string) => void;
  /** The HTTP client pool for callback POSTs (default: undici's global one). */
  dispatcher?: Dispatcher;
}

export const DEFAULT_ASYNC_QUEUE_SETTINGS: Required<AsyncQueueSettings> = {
  capacity: 1000,
  maxInFlight: 16,
  inFlightPerReplica: 1,
  callbackCheckTimeoutMs: 1_000,
  callbackTimeoutMs: 30_000,
  maxBodyBytes: 1024 * 1024,
  callbackOrigins: [],
};

/** An accepted `/async-function/{name}[/{path}]` request, buffered. */
export interface QueuedCall {
  callId: string;
  functionName: string;
  method: string;
  /** The sub-path after the function name, `/` at least. */
  path: string;
  /** `?x=1` or empty. */
  search: string;
  /** The caller's headers (hop-by-hop ones removed), with `x-call-id` set. */
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  callbackUrl?: URL;
}

/** Queue numbers, for `GET /system/queue` and for scaling on queue depth. */
export interface QueueStats {
  /** Calls waiting to run. */
  queued: number;
  /** Calls running (invoked, response not yet complete). */
  inFlight: number;
  capacity: number;
  maxInFlight: number;
  /** Every function of the gateway, zeros included; `maxInFlight` is its limit now (it follows ready replicas). */
  perFunction: Record<string, { queued: number; inFlight: number; maxInFlight: number }>;
}

/** Runs one call through the gateway's own `/function/{name}` route (in process). */
export type Invoker = (request: Request) => Promise<Response>;

/** The instance name of the queue's log lines. */
const LOG_INSTANCE = 'gateway';
/** How often blocked calls are looked at again while replicas may be coming up. */
const REPUMP_MS = 250;

/**
 * The local gateway's in-memory queue of asynchronous calls, in the role of OpenFaaS' NATS queue + queue-worker:
 * bounded (429 when full), FIFO per function, run through the gateway's `/function/{name}` route (like the
 * queue-worker with `gateway_invoke=true`: same replica selection, upstream timeout and invocation count), each
 * result POSTed once to its callback URL. Nothing survives `stop()`: queued calls are dropped, running ones aborted.
 */
export class AsyncQueue {
  readonly settings: Required<AsyncQueueSettings>;
  private readonly waiting: QueuedCall[] = [];
  private readonly running = new Map<string, number>();
  private inFlight = 0;
  /** Every call started and not settled (invocation and callback), for stop(). */
  private readonly active = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private invoke: Invoker | undefined;
  private repump: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: AsyncQueueOptions) {
    const given = Object.fromEntries(Object.entries(pickSettings(options)).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULT_ASYNC_QUEUE_SETTINGS, ...given };
    const { callbackOrigins: _origins, ...numbers } = this.settings;
    for (const [key, value] of Object.entries(numbers)) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`asyncQueue.${key} must be a whole number of at least 1, not ${value}`);
    }
  }

  /** Connects the queue to the gateway that runs its calls; calls queued before wait for this. */
  attach(invoke: Invoker): void {
    if (this.invoke) throw new Error('this async queue already serves a gateway');
    this.invoke = invoke;
    this.pump();
  }

  /** Queues a call: 429 when `capacity` calls are waiting, 503 once the queue is stopped. */
  enqueue(call: QueuedCall): void {
    this.assertAccepting();
    this.waiting.push(call);
    this.pump();
  }

  /** Throws what enqueue would (429 full, 503 stopped), to fail fast before slower checks. */
  assertAccepting(): void {
    if (this.stopping.signal.aborted)
      throw new GatewayError(503, 'the local gateway is stopping: no more asynchronous calls are accepted');
    if (this.waiting.length >= this.settings.capacity) {
      throw new GatewayError(
        429,
        `the asynchronous queue is full (${this.settings.capacity} calls waiting); retry later`,
        { 'Retry-After': '5' },
      );
    }
  }

  stats(): QueueStats {
    const perFunction: QueueStats['perFunction'] = {};
    for (const fn of this.options.backend.listFunctions()) {
      perFunction[fn.spec.name] = {
        queued: 0,
        inFlight: this.running.get(fn.spec.name) ?? 0,
        maxInFlight: this.limit(fn),
      };
    }
    for (const call of this.waiting) {
      const entry = (perFunction[call.functionName] ??= { queued: 0, inFlight: 0, maxInFlight: 0 });
      entry.queued++;
    }
    return {
      queued: this.waiting.length,
      inFlight: this.inFlight,
      capacity: this.settings.capacity,
      maxInFlight: this.settings.maxInFlight,
      perFunction,
    };
  }

  /**
   * Drops the waiting calls and aborts the running ones and their callbacks (no result is posted for them), logging
   * how many per function. Resolves as soon as they have settled, which does not wait on a replica or a callback.
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    clearTimeout(this.repump);
    const dropped = countBy(this.waiting.splice(0).map((call) => call.functionName));
    const aborted = new Map(this.running);
    this.stopping.abort(new Error('the local gateway stopped'));
    for (const name of new Set([...dropped.keys(), ...aborted.keys()])) {
      const parts = [];
      if (dropped.get(name)) parts.push(`dropped ${dropped.get(name)} queued call(s)`);
      if (aborted.get(name)) parts.push(`aborted ${aborted.get(name)} call(s) in flight`);
      if (parts.length > 0) this.log(name, `async queue stopped: ${parts.join(', ')}; no callback is sent for them`);
    }
    await Promise.allSettled([...this.active]);
  }

  /** Starts waiting calls, oldest first, as far as the global and per-function limits allow. */
  private pump(): void {
    if (!this.invoke || this.stopping.signal.aborted) return;
    for (let i = 0; i < this.waiting.length && this.inFlight < this.settings.maxInFlight; ) {
      const call = this.waiting[i]!;
      const fn = this.options.backend.getFunction(call.functionName);
      if (fn && (this.running.get(call.functionName) ?? 0) >= this.limit(fn)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.start(call, this.invoke);
    }
    // A blocked call may run once more replicas are ready: look again shortly (nothing else would wake it).
    if (this.waiting.length > 0 && this.inFlight < this.settings.maxInFlight && !this.repump) {
      this.repump = setTimeout(() => {
        this.repump = undefined;
        this.pump();
      }, REPUMP_MS).unref();
    }
  }

  /** The calls a function may run at once now: per ready replica (at least one, to wake a starting function). */
  private limit(fn: FunctionView): number {
    const maxInflight = Number(fn.spec.environment.max_inflight);
    const perReplica =
      Number.isInteger(maxInflight) && maxInflight > 0 ? maxInflight : this.settings.inFlightPerReplica;
    return Math.min(Math.max(1, fn.availableReplicas) * perReplica, this.settings.maxInFlight);
  }

  private start(call: QueuedCall, invoke: Invoker): void {
    this.inFlight++;
    this.running.set(call.functionName, (this.running.get(call.functionName) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.running.set(call.functionName, this.running.get(call.functionName)! - 1);
      this.pump();
    };
    const work = this.run(call, invoke, release)
      .catch((err: unknown) =>
        this.log(
          call.functionName,
          `async call ${call.callId}: unexpected error in the queue: ${(err as Error).message}`,
        ),
      )
      .finally(() => {
        release();
        this.active.delete(work);
      });
    this.active.add(work);
  }

  /** Invokes the call, frees its slot, then delivers the result once (when there is a callback URL) and logs it. */
  private async run(call: QueuedCall, invoke: Invoker, release: () => void): Promise<void> {
    const signal = this.stopping.signal;
    const started = performance.now();
    const result = await this.invokeOnce(call, invoke, signal);
    release();
    if (!result) return; // aborted by stop(): already logged there
    const seconds = (performance.now() - started) / 1000;
    const what = result.gatewayError
      ? `not run: ${result.gatewayError} (X-Function-Status ${result.status})`
      : `${call.functionName} answered ${result.status}`;
    const head = `async call ${call.callId}: ${what} in ${seconds.toFixed(3)} s`;
    if (!call.callbackUrl) return this.log(call.functionName, `${head}; no callback URL`);

    const outcome: CallbackResult = {
      callId: call.callId,
      functionName: call.functionName,
      status: result.status,
      durationSeconds: seconds,
      headers: result.headers,
      body: result.body,
    };
    const where = call.callbackUrl.origin;
    try {
      const status = await postCallback(call.callbackUrl, outcome, {
        timeoutMs: this.settings.callbackTimeoutMs,
        signal,
        ...(this.options.dispatcher && { dispatcher: this.options.dispatcher }),
      });
      this.log(call.functionName, `${head}; callback to ${where} answered ${status}`);
    } catch (err) {
      if (signal.aborted)
        return this.log(call.functionName, `${head}; callback to ${where} aborted: the local gateway stopped`);
      this.log(call.functionName, `${head}; callback to ${where} failed: ${describeError(err)} (not retried)`);
    }
  }

  /**
   * The function's answer, fully read; a gateway-side failure (no ready replica, replica unreachable or too slow,
   * broken response) as 503 and an unexpected one as 500, each with a text body saying so; `undefined` if stopped.
   */
  private async invokeOnce(call: QueuedCall, invoke: Invoker, signal: AbortSignal): Promise<InvokeResult | undefined> {
    const headers = { ...call.headers, 'content-length': String(call.body.byteLength) };
    const url = `http://local-gateway/function/${call.functionName}${call.path}${call.search}`;
    let response: Response;
    try {
      response = await untilAborted(
        invoke(new Request(url, { method: call.method, headers, body: call.body, signal })),
        signal,
      );
    } catch (err) {
      if (signal.aborted) return undefined;
      return gatewayFailure(
        500,
        `internal error in the local gateway while invoking ${call.functionName}: ${describeError(err)}`,
      );
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await untilAborted(response.arrayBuffer(), signal));
    } catch (err) {
      if (signal.aborted) return undefined;
      return gatewayFailure(503, `the response of ${call.functionName} broke off: ${describeError(err)}`);
    }
    // The proxy marks its own answers (no ready replica: 503; replica unreachable or too slow: 502).
    if (response.headers.get('x-openfaas-internal') === 'proxy') {
      return gatewayFailure(503, new TextDecoder().decode(body));
    }
    return { status: response.status, body, headers: copiedResponseHeaders(response.headers) };
  }

  private log(fn: string, line: string): void {
    this.options.backend.logs.append(fn, LOG_INSTANCE, line);
    this.options.onLog?.(fn, LOG_INSTANCE, line);
  }
}

interface InvokeResult {
  status: number;
  body: Uint8Array;
  /** The response headers the callback carries. */
  headers: Record<string, string>;
  /** Set when the gateway, not the function, produced the status. */
  gatewayError?: string;
}

function gatewayFailure(status: number, message: string): InvokeResult {
  return {
    status,
    body: new TextEncoder().encode(message),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    gatewayError: message,
  };
}

/** `promise`, or a rejection as soon as `signal` aborts (so stop() never waits on a call that ignores it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describeError(err: unknown): string {
  const error = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  return [error.message, error.code ?? error.cause?.code].filter(Boolean).join(' ') || String(err);
}

function countBy(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

function pickSettings(o: AsyncQueueSettings): AsyncQueueSettings {
  const {
    capacity,
    maxInFlight,
    inFlightPerReplica,
    callbackCheckTimeoutMs,
    callbackTimeoutMs,
    maxBodyBytes,
    callbackOrigins,
  } = o;
  return {
    capacity,
    maxInFlight,
    inFlightPerReplica,
    callbackCheckTimeoutMs,
    callbackTimeoutMs,
    maxBodyBytes,
    callbackOrigins,
  };
}
