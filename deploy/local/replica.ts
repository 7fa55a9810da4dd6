import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PidFiles } from './pid-files.ts';
import { acceptsConnections, allocatePort } from './ports.ts';

/** Where a replica is in its life. `crashed`: its process ended unexpectedly and a restart is scheduled. */
export type ReplicaState = 'starting' | 'ready' | 'crashed' | 'stopping' | 'stopped';

/** How soon a crashed replica is restarted: like Kubernetes' CrashLoopBackOff, with local-sized numbers. */
export interface RestartBackoff {
  /** Delay before the first restart. */
  initialMs: number;
  /** The delay doubles after each crash, up to this. */
  maxMs: number;
  /** A run that lasted this long resets the delay to `initialMs`. */
  resetAfterMs: number;
}

/** 0.5 s, 1 s, 2 s, ... up to 30 s; reset after a minute of running. */
export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/** What a replica needs to run its watchdog process. */
export interface ReplicaOptions {
  /** Replica id, e.g. `train-3f9a1c`; the `instance` of its log lines. */
  id: string;
  watchdogBinary: string;
  cwd: string;
  /** The environment of one run, given that run's fresh ports. */
  env(ports: { port: number; httpPort: number }): Record<string, string>;
  /** Receives each line the process writes, and the replica's own lifecycle notes. */
  log(text: string): void;
  backoff: RestartBackoff;
  /** Time between SIGTERM and SIGKILL when stopping. */
  stopGraceMs: number;
  /** Where the running process group is recorded, so that a later stack can stop it if this one dies first. */
  pids?: PidFiles;
}

/**
 * One function instance: a watchdog process (and its wrapper) in its own process group, restarted with backoff
 * when it exits on its own, and ready once the watchdog's `/_/ready` answers 200. Readiness is probed only at
 * start-up: afterwards a busy watchdog answers 429 there (max_inflight), which must not take it out of rotation.
 */
export class Replica {
  state: ReplicaState = 'starting';
  /** How many times the process was restarted after ending on its own. */
  restarts = 0;
  /** How the last run ended, e.g. `exited with code 1` or `killed by SIGKILL`. */
  lastExit?: string;
  /** The watchdog's base URL, while ready. */
  url?: string;
  private child?: ChildProcess;
  private restartTimer?: NodeJS.Timeout;
  private nextDelayMs: number;
  private runStartedAt = 0;

  constructor(private readonly options: ReplicaOptions) {
    this.nextDelayMs = options.backoff.initialMs;
  }

  get id(): string {
    return this.options.id;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the first run; returns at once (watch `state`). */
  start(): void {
    void this.launch();
  }

  /**
   * SIGTERM to the watchdog (as the kubelet does: it drains, then stops its wrapper), SIGKILL to its whole process
   * group after the grace (`graceMs`, default the replica's stopGraceMs); resolves when no process of the group
   * is left.
   */
  async stop(graceMs = this.options.stopGraceMs): Promise<void> {
    if (this.state === 'stopped') return;
    clearTimeout(this.restartTimer);
    this.state = 'stopping';
    const pid = this.child?.pid;
    if (pid !== undefined) {
      if (this.child?.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
      if (!(await groupGone(pid, graceMs))) {
        signalGroup(pid, 'SIGKILL');
        await groupGone(pid, 5_000);
      }
      liveGroups.delete(pid);
    }
    this.state = 'stopped';
  }

  private async launch(): Promise<void> {
    const [port, httpPort] = await Promise.all([allocatePort(), allocatePort()]);
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const env = this.options.env({ port, httpPort });
    const tmp = env.TMPDIR;
    if (tmp) {
      rmSync(tmp, { recursive: true, force: true }); // a stale lock file from a killed run on the same port
      mkdirSync(tmp, { recursive: true });
    }
    const child = spawn(this.options.watchdogBinary, [], {
      cwd: this.options.cwd,
      env,
      detached: true, // its own process group, so stop() reaches the wrapper and anything it started
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.runStartedAt = Date.now();
    if (child.pid !== undefined) {
      trackGroup(child.pid, tmp);
      this.options.pids?.record(this.id, child.pid, { group: true, ...(tmp && { tmpDir: tmp }) });
    }
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.options.log(line));
    }
    let ended = false; // 'error' and 'exit' may both come
    const end = (how: string) => {
      if (!ended) {
        this.onEnd(child, how);
        if (tmp) rmSync(tmp, { recursive: true, force: true }); // its group is gone (onEnd killed it)
      }
      ended = true;
    };
    child.once('error', (err) => end(`could not start ${this.options.watchdogBinary}: ${err.message}`));
    child.once('exit', (code, signal) => end(signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.state = 'starting';
    void this.awaitReady(child, `http://127.0.0.1:${port}`, httpPort);
  }

  /**
   * Ready = the watchdog's `/_/ready` answers 200 and the wrapper accepts connections: of-watchdog 0.11.6 answers
   * 200 as soon as it runs, before its wrapper listens (the stand-in checks the wrapper itself).
   */
  private async awaitReady(child: ChildProcess, url: string, httpPort: number): Promise<void> {
    for (let attempt = 0; this.child === child && this.state === 'starting'; attempt++) {
      if ((await probe(`${url}/_/ready`)) && (await acceptsConnections(httpPort))) {
        if (this.child === child && this.state === 'starting') {
          this.url = url;
          this.state = 'ready';
        }
        return;
      }
      await sleep(attempt < 50 ? 100 : 500);
    }
  }

  private onEnd(child: ChildProcess, how: string): void {
    this.options.pids?.forget(this.id);
    const pid = child.pid;
    if (pid !== undefined) {
      signalGroup(pid, 'SIGKILL'); // the wrapper, if it outlived its watchdog
      liveGroups.delete(pid);
    }
    this.url = undefined;
    this.lastExit = how;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (Date.now() - this.runStartedAt >= this.options.backoff.resetAfterMs)
      this.nextDelayMs = this.options.backoff.initialMs;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, this.options.backoff.maxMs);
    this.restarts++;
    this.options.log(`[supervisor] ${how}; restart ${this.restarts} in ${delay} ms`);
    this.restartTimer = setTimeout(() => void this.launch(), delay);
    this.state = 'crashed';
  }
}

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Process groups still alive, with their run's TMPDIR; killed (and their folders removed) when this process exits
 * without stopping them (a last resort).
 */
const liveGroups = new Map<number, string | undefined>();

let exitHookInstalled = false;

function trackGroup(pid: number, tmp: string | undefined): void {
  if (!exitHookInstalled) {
    process.once('exit', () =>
      liveGroups.forEach((leftoverTmp, leftover) => {
        signalGroup(leftover, 'SIGKILL');
        try {
          if (leftoverTmp) rmSync(leftoverTmp, { recursive: true, force: true, maxRetries: 3 });
        } catch {
          // a process of the group still writing there as it dies: the folder stays, the exit goes on
        }
      }),
    );
    exitHookInstalled = true;
  }
  liveGroups.set(pid, tmp);
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}
