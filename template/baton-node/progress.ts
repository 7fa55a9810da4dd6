/**
 * Progress reports of a long step to the orchestrator's `progressUrl`, and the keep-alive repeating them.
 *
 * A report is the contract's `progressReport` JSON, POSTed with `Content-Type: application/json`, `X-Call-Id` and
 * `X-Baton-Signature` (the function's signature of the report, made with its step key: the URL names the attempt
 * but proves nothing). The answer `200 {cancelRequested}` or `409` (stale attempt) tells the step to stop; any
 * other failure (network, 5xx, orchestrator down) is logged and ignored: the next report retries. The URL's last
 * path segment (the attempt's reference) and its query never reach a log line. Same behaviour as
 * `baton_step/progress.py`.
 */
import { CALL_ID_HEADER, type ArtifactRef, type ProgressReport } from './step-contract.ts';
import { SIGNATURE_HEADER } from './step-signature.ts';

/** Keep-alive period when `BATON_PROGRESS_INTERVAL` is unset: well under the activity's 30 s heartbeat timeout. */
export const DEFAULT_PROGRESS_INTERVAL_SECONDS = 5;
export const PROGRESS_INTERVAL_ENV = 'BATON_PROGRESS_INTERVAL';
const MAX_PROGRESS_INTERVAL_SECONDS = 3600;
/** A report never holds a training longer than this. */
export const REPORT_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_CHARS = 500;
/** While the orchestrator stays unreachable, one failure in this many is logged (once a minute at 5 s). */
const FAILURE_LOG_EVERY = 12;

/**
 * The orchestrator wants this attempt to stop (it asked to cancel, or answered 409: the attempt is stale).
 * Thrown by `ctx.progress` and `ctx.checkpoint.save`; the wrapper answers 409 `{error: {message, type: 'Cancelled'}}`.
 * Let it propagate: catching it keeps a cancelled run busy.
 */
export class StepCancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepCancelledError';
  }
}

/** What a handler passes to `ctx.progress`: `epoch` and `metrics` keep their last value when left out. */
export interface ProgressUpdate {
  /** Share of the work done, 0..1. */
  fraction: number;
  metrics?: Record<string, number>;
  /** The unit of work just finished (an epoch for trainings). */
  epoch?: number;
  message?: string;
}

/** Reads `BATON_PROGRESS_INTERVAL` (seconds, default 5); the error names the key. */
export function progressIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env[PROGRESS_INTERVAL_ENV] ?? '').trim();
  if (!raw) return DEFAULT_PROGRESS_INTERVAL_SECONDS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > MAX_PROGRESS_INTERVAL_SECONDS) {
    throw new Error(
      `${PROGRESS_INTERVAL_ENV} must be a number of seconds > 0 and <= ${MAX_PROGRESS_INTERVAL_SECONDS}, got "${raw}"`,
    );
  }
  return value;
}

/** The URL without its last path segment (the token), query, fragment or user info, for logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host}${path ? `${path.slice(0, path.lastIndexOf('/'))}/***` : ''}`;
  } catch {
    return '(unparseable url)';
  }
}

export function checkEpoch(value: unknown, what = 'epoch'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be an integer >= 0, got ${String(value)}`);
  }
  return value;
}

/** How a reporter sends (every field has a default). */
export interface ProgressReporterOptions {
  /** Keep-alive period; default 5 s. */
  intervalMs?: number;
  /** The envelope's checkpoint, repeated in every report until a newer one. */
  checkpoint?: ArtifactRef;
  /** How long one report may take; default 5 s. */
  timeoutMs?: number;
  /** The `X-Baton-Signature` value for a report body (the wrapper signs with the function's step key). */
  sign?: (body: string) => string;
}

/**
 * Sends the progress reports of one call, in order, and repeats the last one as a keep-alive.
 *
 * The report is cumulative: `fraction`, `epoch` and `metrics` keep their last value until changed; `checkpoint`
 * (starting with the envelope's) and `resumedFromEpoch` stay once set, so whichever report the orchestrator keeps
 * last always names the newest checkpoint; `message` belongs to one update.
 */
export class ProgressReporter {
  /** Set once the orchestrator asks this attempt to stop. */
  cancelReason: string | undefined;
  /** A 409: nothing this attempt reports will be accepted any more. */
  stale = false;
  /** Reports the orchestrator accepted (2xx). */
  sent = 0;
  private state: ProgressReport = { fraction: 0 };
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastSent = 0;
  private failures = 0;
  private readonly hidden: string[];
  private readonly shown: string;

  readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly sign: ((body: string) => string) | undefined;

  constructor(
    readonly url: string,
    private readonly callId: string,
    private readonly log: (line: string) => void,
    options: ProgressReporterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_SECONDS * 1000;
    this.timeoutMs = options.timeoutMs ?? REPORT_TIMEOUT_MS;
    this.sign = options.sign;
    if (options.checkpoint) this.state.checkpoint = { ...options.checkpoint };
    this.shown = safeUrl(url);
    let parts = [url];
    try {
      const parsed = new URL(url);
      const path = parsed.pathname.replace(/\/+$/, '');
      parts = [url, parsed.pathname, parsed.search.replace(/^\?/, ''), path.slice(path.lastIndexOf('/') + 1)];
    } catch {
      // an unparseable URL: hide it whole
    }
    this.hidden = [...new Set(parts.filter((part) => part.length >= 4))].sort((a, b) => b.length - a.length);
  }

  get cancelled(): boolean {
    return this.cancelReason !== undefined;
  }

  /** The current report (a copy). */
  snapshot(): ProgressReport {
    return structuredClone(this.state);
  }

  /** Changes the report (undefined keeps a field) and returns it; checks types (RangeError/TypeError). */
  update(changes: Partial<ProgressUpdate> & { checkpoint?: ArtifactRef; resumedFromEpoch?: number }): ProgressReport {
    const next: ProgressReport = { ...this.state };
    if (changes.fraction !== undefined) {
      if (
        typeof changes.fraction !== 'number' ||
        !Number.isFinite(changes.fraction) ||
        changes.fraction < 0 ||
        changes.fraction > 1
      ) {
        throw new RangeError(`progress fraction must be a number between 0 and 1, got ${String(changes.fraction)}`);
      }
      next.fraction = changes.fraction;
    }
    if (changes.epoch !== undefined) next.epoch = checkEpoch(changes.epoch);
    if (changes.metrics !== undefined) next.metrics = this.checkMetrics(changes.metrics);
    if (changes.checkpoint !== undefined) next.checkpoint = { ...changes.checkpoint };
    if (changes.resumedFromEpoch !== undefined)
      next.resumedFromEpoch = checkEpoch(changes.resumedFromEpoch, 'resumedFromEpoch');
    if (changes.message !== undefined && typeof changes.message !== 'string')
      throw new TypeError('progress message must be a string');
    delete next.message;
    if (changes.message) next.message = changes.message.slice(0, MAX_MESSAGE_CHARS);
    this.state = next;
    return this.snapshot();
  }

  /** POSTs the current report after any report in flight. Never rejects for network or server trouble. */
  send(): Promise<void> {
    // The body is taken when its turn comes: a queued report never carries an older state than one before it.
    this.queue = this.queue.then(() => this.post(JSON.stringify(this.state)));
    return this.queue;
  }

  /** Sends the first report (fraction 0), then repeats the last one every interval while nothing else was sent. */
  async start(): Promise<void> {
    await this.send();
    if (!this.stale && !this.stopped) this.schedule();
  }

  /** Stops the keep-alive; once this resolves no further report is sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  private schedule(): void {
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      if (this.stopped || this.stale) return;
      const due = Date.now() - this.lastSent >= this.intervalMs - 1;
      void (due ? this.send() : Promise.resolve()).then(() => {
        if (!this.stopped && !this.stale) this.schedule();
      });
    }, wait);
  }

  private async post(body: string): Promise<void> {
    // The call has ended (no report may follow its answer), or nothing would be accepted any more.
    if (this.stale || this.stopped) return;
    this.lastSent = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/json',
          [CALL_ID_HEADER]: this.callId,
          ...(this.sign && { [SIGNATURE_HEADER]: this.sign(body) }),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const reason =
        `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}` +
        (cause instanceof Error ? ` (${cause.message})` : '');
      this.failed(this.redact(reason));
      return;
    }
    this.answered(response.status, text);
  }

  private answered(status: number, text: string): void {
    if (status === 409) {
      this.stale = true;
      if (this.cancelReason === undefined) {
        this.cancelReason = 'the orchestrator answered 409: this attempt is stale or cancelled';
        this.log(`progress report to ${this.shown}: 409, this attempt must stop`);
      }
      return;
    }
    if (status < 200 || status >= 300) {
      this.failed(`HTTP ${status}`);
      return;
    }
    if (this.failures) this.log(`progress reports reach ${this.shown} again (after ${this.failures} failed)`);
    this.failures = 0;
    this.sent += 1;
    let answer: unknown;
    try {
      answer = JSON.parse(text || '{}');
    } catch {
      this.log(`progress report to ${this.shown}: the answer is not JSON, ignored`);
      return;
    }
    if ((answer as { cancelRequested?: unknown } | null)?.cancelRequested === true && this.cancelReason === undefined) {
      this.cancelReason = 'the orchestrator requested cancellation';
      this.log(`progress report to ${this.shown}: cancellation requested, this attempt must stop`);
    }
  }

  private failed(reason: string): void {
    this.failures += 1;
    if (this.failures === 1 || this.failures % FAILURE_LOG_EVERY === 0) {
      this.log(
        `progress report to ${this.shown} failed (${reason}); the step goes on (${this.failures} failed in a row, retried with the next report)`,
      );
    }
  }

  private checkMetrics(metrics: Record<string, number>): Record<string, number> {
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
      throw new TypeError('progress metrics must be an object of name -> number');
    }
    const checked: Record<string, number> = {};
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value !== 'number') throw new TypeError(`progress metric "${name}" must be a number`);
      if (!Number.isFinite(value)) {
        // A diverging loss must not end a training: the metric is left out of this report.
        this.log(`progress metric "${name}" is ${value}: left out of the report (JSON has no NaN/Infinity)`);
        continue;
      }
      checked[name] = value;
    }
    return checked;
  }

  private redact(text: string): string {
    let result = text;
    for (const part of this.hidden) result = result.split(part).join('***');
    return result;
  }
}
