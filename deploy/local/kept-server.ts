/**
 * A server of the local stack (MinIO, the Temporal dev server) kept running as a cluster keeps a pod running: when
 * it dies on its own it is started again — same data folder, same port — after a back-off that grows while starts
 * keep failing, with a log line saying what ended it.
 */
import type { ManagedProcess } from './managed-process.ts';
import { DEFAULT_RESTART_BACKOFF, type RestartBackoff } from './replica.ts';

/** A started server: whatever the start function gives back, with its process. */
export interface StartedServer {
  process: ManagedProcess;
}

/** How a kept server is started and where its notes go. */
export interface KeptServerOptions<S extends StartedServer> {
  /** `minio`, `temporal`: the subject of the log lines. */
  name: string;
  /** Starts the server and resolves once it is ready; called again for every restart. */
  start: () => Promise<S>;
  log: (line: string) => void;
  backoff?: Partial<RestartBackoff>;
}

/** A server restarted when it dies, until `stop()`. */
export class KeptServer<S extends StartedServer> {
  /** Restarts after the server ended on its own. */
  restarts = 0;
  private current: S;
  private stopping = false;
  /** Set while this class itself stops and starts the server (restart()), so the watch does not restart it too. */
  private replacing = false;
  private retryTimer?: NodeJS.Timeout;
  /** A restart in flight: stop() waits for it, so no server it starts outlives the stack. */
  private starting?: Promise<void>;
  private readonly backoff: RestartBackoff;
  private delayMs: number;

  private constructor(
    private readonly options: KeptServerOptions<S>,
    first: S,
  ) {
    this.backoff = { ...DEFAULT_RESTART_BACKOFF, ...options.backoff };
    this.delayMs = this.backoff.initialMs;
    this.current = first;
    this.watch(first);
  }

  /** Starts the server (a failure of this first start is thrown) and keeps it running. */
  static async start<S extends StartedServer>(options: KeptServerOptions<S>): Promise<KeptServer<S>> {
    return new KeptServer(options, await options.start());
  }

  /** The running server (after a restart, the new one). */
  get server(): S {
    return this.current;
  }

  /** Stops the server and starts it again now (fault tests). */
  async restart(): Promise<void> {
    this.replacing = true;
    try {
      await this.current.process.stop();
      this.current = await this.options.start();
      this.watch(this.current);
    } finally {
      this.replacing = false;
    }
  }

  /** Stops the server for good. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    await this.starting;
    await this.current.process.stop();
  }

  private watch(server: S): void {
    const startedAt = Date.now();
    void server.process.exited.then(({ code, signal }) => {
      if (this.stopping || this.replacing || server !== this.current) return;
      if (Date.now() - startedAt >= this.backoff.resetAfterMs) this.delayMs = this.backoff.initialMs;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.scheduleStart(`${this.options.name} ${how}`);
    });
  }

  private scheduleStart(why: string): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.backoff.maxMs);
    this.restarts++;
    this.options.log(`${why}; restarting it in ${delay} ms (restart ${this.restarts}, same data folder and port)`);
    this.retryTimer = setTimeout(() => {
      this.starting = this.startAgain().finally(() => (this.starting = undefined));
    }, delay);
  }

  private async startAgain(): Promise<void> {
    if (this.stopping) return;
    try {
      const server = await this.options.start();
      if (this.stopping) {
        await server.process.stop();
        return;
      }
      this.current = server;
      this.watch(server);
      this.options.log(`${this.options.name} is back`);
    } catch (error) {
      if (!this.stopping) this.scheduleStart(`${this.options.name} did not start again (${(error as Error).message})`);
    }
  }
}
