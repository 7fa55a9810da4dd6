/**
 * A steady stream of runs through the trigger API, for the fault matrix and the soak: a few slots per pipeline,
 * each starting a run, following it until it closes and starting the next. Every run has its own runId (a trigger
 * lost in a fault is retried with the same id, which the API answers with the same run) and its own model name, so
 * the invariants can tell which registered version belongs to which run.
 */
import { ApiError, getRun, triggerRun, type BatonApi } from '../../cli/api/run-client.ts';

/** The pipelines the stream runs. */
export type LoadPipeline = 'train-classifier' | 'train-classifier-resumable';

/** One run the API accepted, and how it ended. */
export interface LoadRun {
  runId: string;
  pipeline: LoadPipeline;
  modelName: string;
  acceptedAt: number;
  /** Set once the run closed: `completed`, `failed`, `cancelled`, `terminated`, `timedout`. */
  status?: string;
  closedAt?: number;
  /** The run's error message when it did not complete. */
  error?: string;
}

/** How many runs of each pipeline are in flight at once, and what a run asks for. */
export interface LoadOptions {
  api: BatonApi;
  /** Runs of train-classifier in flight (default 2). */
  demoSlots?: number;
  /** Runs of train-classifier-resumable in flight (default 1). */
  resumableSlots?: number;
  /** Prefix of run ids and model names (lowercase letters, digits, dashes). */
  prefix: string;
  /** How often a run's state is read (default 1000 ms). */
  pollMs?: number;
  /** Sees each run accepted and closed. */
  log?: (line: string) => void;
}

/** The input of each pipeline: the small bundled dataset, a short resumable training with a few checkpoints. */
function inputOf(pipeline: LoadPipeline, modelName: string): Record<string, unknown> {
  return pipeline === 'train-classifier'
    ? { dataset: 'iris', modelName }
    : { dataset: 'iris', epochs: 4, secondsPerEpoch: 0.5, modelName };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the stream until `stop()`; `drain()` then waits for the runs in flight. */
export class LoadGenerator {
  /** Every run the API accepted, in the order accepted. */
  readonly runs: LoadRun[] = [];
  /** Triggers the API refused with a 4xx: a defect of the stream, never a fault's effect. */
  readonly refused: string[] = [];
  private stopping = false;
  /** Runs are followed until they close, or until a drain gives up on them. */
  private following = true;
  private next = 0;
  private readonly slots: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  /** Starts the slots. */
  start(): void {
    const { demoSlots = 2, resumableSlots = 1 } = this.options;
    for (let i = 0; i < demoSlots; i++) this.slots.push(this.slot('train-classifier'));
    for (let i = 0; i < resumableSlots; i++) this.slots.push(this.slot('train-classifier-resumable'));
  }

  /** Stops starting runs; runs in flight go on. */
  stop(): void {
    this.stopping = true;
  }

  /** Waits up to `timeoutMs` for every accepted run to close; answers the runs still open then (stuck). */
  async drain(timeoutMs: number): Promise<LoadRun[]> {
    this.stop();
    await Promise.race([Promise.all(this.slots), sleep(timeoutMs)]);
    this.following = false;
    return this.runs.filter((run) => run.status === undefined);
  }

  private async slot(pipeline: LoadPipeline): Promise<void> {
    while (!this.stopping) {
      const n = this.next++;
      const runId = `${this.options.prefix}-${pipeline === 'train-classifier' ? 'demo' : 'res'}-${n}`;
      const modelName = `${this.options.prefix}-m${n}`;
      const run = await this.trigger(pipeline, runId, modelName);
      if (run) await this.follow(run);
    }
  }

  /** Triggers until the API accepts (or the stream stops); a transport error or 5xx is retried with the same id. */
  private async trigger(pipeline: LoadPipeline, runId: string, modelName: string): Promise<LoadRun | undefined> {
    while (!this.stopping) {
      try {
        await triggerRun(this.options.api, { pipeline, runId, input: inputOf(pipeline, modelName) });
        const run: LoadRun = { runId, pipeline, modelName, acceptedAt: Date.now() };
        this.runs.push(run);
        this.options.log?.(`run ${runId} accepted (${this.runs.length} so far)`);
        return run;
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          this.refused.push(`${runId}: ${error.message}`);
          await sleep(1000);
          return undefined;
        }
        await sleep(500); // the gateway, orchestrator or Temporal is down for a moment
      }
    }
    return undefined;
  }

  /** Reads the run until it closes (errors while a process is down are retried) or the drain gives up. */
  private async follow(run: LoadRun): Promise<void> {
    while (this.following) {
      try {
        const view = await getRun(this.options.api, run.runId);
        if (view.status !== 'running') {
          Object.assign(run, {
            status: view.status,
            closedAt: Date.now(),
            ...(view.status !== 'completed' && { error: view.error?.message ?? '' }),
          });
          const seconds = ((run.closedAt! - run.acceptedAt) / 1000).toFixed(1);
          this.options.log?.(`run ${run.runId} ${view.status} after ${seconds} s${run.error ? `: ${run.error}` : ''}`);
          return;
        }
      } catch {
        // unreachable for a moment: ask again
      }
      await sleep(this.options.pollMs ?? 1000);
    }
  }
}
