import { ArtifactStore, artifactStoreConfigFromEnv, sha256 } from './artifacts.ts';
import { readSecret } from './secrets.ts';
import {
  DEFAULT_PROGRESS_INTERVAL_SECONDS,
  ProgressReporter,
  StepCancelledError,
  checkEpoch,
  type ProgressUpdate,
} from './progress.ts';
import type { ArtifactRef, RunContext } from './step-contract.ts';

/** What checkpoints need of an artifact store (the real one, or an in-memory one in tests). */
export type CheckpointStore = Pick<ArtifactStore, 'putBytes' | 'getBytes'>;

/** `ctx.checkpoint`: a long step's saved state, under `runs/<workflowId>/<step>/checkpoints/epoch-<n>.<ext>`. */
export interface Checkpoints {
  /** The envelope's checkpoint (the newest one of an earlier attempt), undefined on a first attempt. */
  readonly ref: ArtifactRef | undefined;
  /** The epoch of the envelope's checkpoint, read from its key. */
  readonly epoch: number | undefined;
  /** The newest checkpoint: the envelope's, then each one saved by this attempt. */
  readonly latest: ArtifactRef | undefined;
  /** The envelope's checkpoint bytes (size and sha256 checked), or undefined on a first attempt. */
  load(): Promise<Buffer | undefined>;
  /**
   * Stores the state of `epoch` (bytes as `.bin` unless `ext` says otherwise; any other value as `.json`) and
   * reports it at once with the epoch. Throws StepCancelledError when the orchestrator wants the attempt to stop.
   */
  save(data: Buffer | Uint8Array | unknown, options: { epoch: number; ext?: string }): Promise<ArtifactRef>;
}

/** What a handler gets besides its input. */
export interface StepContext {
  /** Which run, step and attempt this call belongs to. */
  run: RunContext;
  /** The caller's idempotency key (`X-Call-Id`). */
  callId: string;
  /** Reads a secret the function declares in stack.yml. */
  secret(name: string): string;
  /** The run's artifact store (created on first use). */
  artifacts(): ArtifactStore;
  /** `runs/<workflowId>/<step>/<name>`: a retry writes the same key, so retries leave no duplicates. */
  runKey(name: string): string;
  /** Writes a line to the function's log, tagged with the call id. */
  log(message: string): void;
  /**
   * Reports progress to the envelope's `progressUrl` (`epoch` and `metrics` keep their last value when left out).
   * Throws StepCancelledError when the orchestrator wants this attempt to stop (now or earlier). Without a
   * progressUrl (a synchronous call) it only logs, once per call. Network trouble never throws.
   */
  progress(update: ProgressUpdate): Promise<void>;
  /** True once the orchestrator asked this attempt to stop (poll it in long loops without progress calls). */
  readonly cancelRequested: boolean;
  /** Throws StepCancelledError when the orchestrator asked this attempt to stop. */
  throwIfCancelled(): void;
  /** Saves and loads checkpoints. */
  checkpoint: Checkpoints;
  /** Declares the epoch this attempt resumed after; every later report carries it as `resumedFromEpoch`. */
  resumedFromEpoch(epoch: number): Promise<void>;
}

/** What the wrapper knows of a call besides its run and call id. */
export interface StepCallOptions {
  /** The envelope's `checkpoint`. */
  checkpoint?: ArtifactRef;
  /** The envelope's `progressUrl`. */
  progressUrl?: string;
  /** Keep-alive period (`BATON_PROGRESS_INTERVAL`), default 5 s. */
  progressIntervalSeconds?: number;
  /** Signs a progress report's body (`X-Baton-Signature`); the wrapper passes one made with the function's step key. */
  signReport?: (body: string) => string;
  /** The store checkpoints go to; default the process's shared artifact store. */
  checkpointStore?: () => CheckpointStore;
}

/** One call: its context, and what the wrapper runs around the handler. */
export interface StepCall {
  context: StepContext;
  /** Sends the first progress report and starts the keep-alive; throws StepCancelledError for a refused attempt. */
  start(): Promise<void>;
  /** Stops the keep-alive (no report follows the answer). */
  close(): Promise<void>;
}

// Pickle-based formats run code when loaded: a checkpoint is JSON, skops, npz... never one of these.
const UNSAFE_EXTENSIONS = new Set(['pkl', 'pickle', 'joblib', 'dill']);
const EXTENSION = /^[a-z0-9]+(\.[a-z0-9]+)?$/;
const EPOCH_IN_KEY = /\/checkpoints\/epoch-(\d+)(\.[^/]*)?$/;

let sharedStore: ArtifactStore | undefined;
const shared = (): ArtifactStore => (sharedStore ??= new ArtifactStore(artifactStoreConfigFromEnv()));

/** Builds one call: the context handed to the handler, plus start/close for the wrapper. */
export function createStepCall(run: RunContext, callId: string, options: StepCallOptions = {}): StepCall {
  const log = (message: string) => console.log(`[${callId}] ${message}`);
  const reporter = options.progressUrl
    ? new ProgressReporter(options.progressUrl, callId, log, {
        intervalMs: (options.progressIntervalSeconds ?? DEFAULT_PROGRESS_INTERVAL_SECONDS) * 1000,
        ...(options.checkpoint && { checkpoint: options.checkpoint }),
        ...(options.signReport && { sign: options.signReport }),
      })
    : undefined;
  const checkpointStore = options.checkpointStore ?? shared;
  const envelopeRef = options.checkpoint;
  let latest = envelopeRef;
  let toldNoProgressUrl = false;

  const throwIfCancelled = () => {
    if (reporter?.cancelReason !== undefined)
      throw new StepCancelledError(`step ${run.step} stopped: ${reporter.cancelReason}`);
  };
  const runKey = (name: string) => `runs/${run.workflowId}/${run.step}/${name}`;

  const checkpoint: Checkpoints = {
    ref: envelopeRef,
    get epoch() {
      const match = envelopeRef ? EPOCH_IN_KEY.exec(envelopeRef.uri) : null;
      return match ? Number(match[1]) : undefined;
    },
    get latest() {
      return latest;
    },
    async load() {
      if (!envelopeRef) return undefined;
      const bytes = await checkpointStore().getBytes(envelopeRef);
      // Checked here too, whatever the store: a checkpoint that is not the one reported is never resumed.
      if (bytes.length !== envelopeRef.size || sha256(bytes) !== envelopeRef.sha256) {
        throw new Error(`checkpoint ${envelopeRef.uri} does not match its reference (size or sha256 differ)`);
      }
      return bytes;
    },
    async save(data, { epoch, ext }) {
      throwIfCancelled(); // a stopping attempt uploads nothing more
      checkEpoch(epoch, 'checkpoint epoch');
      const binary = Buffer.isBuffer(data) || data instanceof Uint8Array;
      const extension = ext ?? (binary ? 'bin' : 'json');
      if (!EXTENSION.test(extension))
        throw new RangeError(`checkpoint extension must look like "json" or "bin", got "${extension}"`);
      if (UNSAFE_EXTENSIONS.has(extension.split('.').pop()!))
        throw new RangeError(`checkpoint format "${extension}" is pickle-based: use JSON or bytes`);
      let bytes: Buffer;
      if (binary) bytes = Buffer.from(data as Uint8Array);
      else {
        const text = JSON.stringify(data, null, 2);
        if (text === undefined) throw new TypeError('checkpoint data must be bytes or a JSON value');
        bytes = Buffer.from(`${text}\n`);
      }
      const contentType = extension === 'json' ? 'application/json' : 'application/octet-stream';
      const ref = await checkpointStore().putBytes(
        runKey(`checkpoints/epoch-${epoch}.${extension}`),
        bytes,
        contentType,
      );
      latest = ref;
      if (reporter) {
        reporter.update({ epoch, checkpoint: ref });
        await reporter.send();
        throwIfCancelled();
      }
      return ref;
    },
  };

  const context: StepContext = {
    run,
    callId,
    secret: (name) => readSecret(name),
    artifacts: shared,
    runKey,
    log,
    async progress(update) {
      throwIfCancelled();
      if (!reporter) {
        if (!toldNoProgressUrl) {
          toldNoProgressUrl = true;
          log('progress reports are not sent: this call has no progressUrl (a synchronous call)');
        }
        return;
      }
      reporter.update({
        fraction: update.fraction,
        epoch: update.epoch,
        metrics: update.metrics,
        message: update.message,
      });
      await reporter.send();
      throwIfCancelled();
    },
    get cancelRequested() {
      return reporter?.cancelled ?? false;
    },
    throwIfCancelled,
    checkpoint,
    async resumedFromEpoch(epoch) {
      checkEpoch(epoch, 'resumedFromEpoch');
      if (!reporter) return;
      reporter.update({ resumedFromEpoch: epoch });
      await reporter.send(); // the orchestrator learns at once; a cancellation surfaces at the next progress()
    },
  };

  return {
    context,
    async start() {
      if (!reporter) return;
      await reporter.start();
      throwIfCancelled();
    },
    async close() {
      await reporter?.stop();
    },
  };
}

/** Builds the context of one call (without the keep-alive: the wrapper uses createStepCall). */
export function createStepContext(run: RunContext, callId: string, options: StepCallOptions = {}): StepContext {
  return createStepCall(run, callId, options).context;
}
