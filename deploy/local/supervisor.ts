import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { access } from 'node:fs/promises';
import {
  FUNCTION_NAMESPACE,
  type FunctionDeployment,
  type FunctionView,
  type GatewayBackend,
  type ReplicaTarget,
} from './gateway/backend.ts';
import { deployedSpec } from './gateway/deployments.ts';
import { GatewayError } from './gateway/gateway-error.ts';
import { LogStore } from './log-store.ts';
import { PidFiles } from './pid-files.ts';
import { DEFAULT_RESTART_BACKOFF, Replica, type ReplicaState, type RestartBackoff } from './replica.ts';
import { configuredEnv, replicaEnv } from './replica-env.ts';
import { prepareSecrets } from './secrets.ts';
import type { FunctionSpec } from './stack-file.ts';
import { STORAGE_ANNOTATION } from './storage-rights.ts';
import type { FunctionTemplate } from './templates.ts';

/** A function to run, with its template resolved. */
export interface SupervisedFunction {
  spec: FunctionSpec;
  template: FunctionTemplate;
}

/** What the supervisor runs and how. */
export interface SupervisorOptions {
  functions: SupervisedFunction[];
  watchdogBinary: string;
  /** Per-function secrets copies go to `<runDir>/secrets/<fn>`. */
  runDir: string;
  /** One file per secret. */
  secretsDir: string;
  /** Put first on the replicas' PATH (the Python virtualenv's bin/). */
  venvBin?: string;
  envOverrides?: Record<string, string>;
  logs?: LogStore;
  /** Called with every line a replica writes (and the supervisor's notes about it). */
  onLog?: (fn: string, instance: string, line: string) => void;
  restartBackoff?: Partial<RestartBackoff>;
  /** Time between SIGTERM and SIGKILL when stopping a replica with the whole stack (default 5 s). */
  stopGraceMs?: number;
  /**
   * Time between SIGTERM and SIGKILL when a scale-down retires a replica (default: the function's write_timeout
   * + 2 s, at least stopGraceMs): like a pod's terminationGracePeriodSeconds, long enough to finish its calls.
   */
  scaleDownGraceMs?: (spec: FunctionSpec) => number;
  /** waitUntilReady gives up early on a replica restarted this often without becoming ready (default 5). */
  crashLoopRestarts?: number;
}

/** One replica as the supervisor reports it. */
export interface ReplicaInfo {
  id: string;
  state: ReplicaState;
  restarts: number;
  pid?: number;
  url?: string;
  lastExit?: string;
}

interface Running extends SupervisedFunction {
  desired: number;
  replicas: Replica[];
  secretsDir: string;
  createdAt: Date;
  /** Round-robin position. */
  turn: number;
}

/**
 * Runs each function as `desired` replicas (see Replica), scales them within the function's min/max labels,
 * picks ready replicas round-robin for the gateway, and stops every process it started.
 */
export class Supervisor implements GatewayBackend {
  readonly logs: LogStore;
  private readonly running = new Map<string, Running>();
  /** Functions `faas-cli remove` stopped: kept so that a later deploy can bring them back. */
  private readonly removed = new Map<string, Running>();
  private readonly retiring = new Set<Promise<void>>();
  private stopped = false;
  /** Every replica's process group, on disk: what a later stack stops if this supervisor dies without stopping them. */
  private readonly pids: PidFiles;

  constructor(private readonly options: SupervisorOptions) {
    this.pids = new PidFiles(options.runDir, { note: (note) => options.onLog?.('gateway', 'supervisor', note) });
    this.logs = options.logs ?? new LogStore();
  }

  /** Copies each function's secrets, then starts its min replicas (without waiting for them to be ready). */
  async start(): Promise<void> {
    for (const fn of this.options.functions) {
      const secretsDir = path.join(this.options.runDir, 'secrets', fn.spec.name);
      await prepareSecrets(fn.spec.name, fn.spec.secrets, this.options.secretsDir, secretsDir);
      this.running.set(fn.spec.name, { ...fn, desired: 0, replicas: [], secretsDir, createdAt: new Date(), turn: 0 });
    }
    for (const fn of this.running.values()) this.setReplicas(fn.spec.name, fn.spec.minReplicas);
  }

  listFunctions(): FunctionView[] {
    return [...this.running.keys()].map((name) => this.getFunction(name)!);
  }

  getFunction(name: string): FunctionView | undefined {
    const fn = this.running.get(name);
    if (!fn) return undefined;
    const availableReplicas = fn.replicas.filter((r) => r.state === 'ready').length;
    const environment = configuredEnv({
      spec: fn.spec,
      template: fn.template,
      secretsDir: fn.secretsDir,
      envOverrides: this.options.envOverrides,
    });
    return {
      spec: fn.spec,
      envProcess: fn.template.fprocess,
      environment,
      replicas: fn.desired,
      availableReplicas,
      createdAt: fn.createdAt,
    };
  }

  /**
   * Gives a function the configuration of a deployment request (see GatewayBackend.deployFunction): its replicas are
   * retired (SIGTERM, as a scale-down) and new ones start with the new environment, reading the handler from disk.
   * The handler folder, template and S3 user stay those of the stack file; what would change them is refused.
   */
  async deployFunction(deployment: FunctionDeployment, mode: 'create' | 'update'): Promise<void> {
    const name = deployment.service;
    if (this.stopped) throw new GatewayError(503, 'the local stack is stopping');
    const fn = mode === 'update' ? this.running.get(name) : this.removed.get(name);
    if (!fn) throw this.deployRefusal(name, mode);
    const spec = deployedSpec(fn.spec, deployment);
    if (spec.annotations[STORAGE_ANNOTATION] !== fn.spec.annotations[STORAGE_ANNOTATION]) {
      throw new GatewayError(
        422,
        `annotations["${STORAGE_ANNOTATION}"]: the local stack makes ${name}'s S3 user with the rights of ${fn.spec.stackFile} when it starts; ` +
          'change them there and restart the stack',
      );
    }
    await this.assertSecretsExist(name, spec.secrets);
    // Another deploy of the same function may have finished while this one checked the secrets.
    if ((mode === 'update' ? this.running.get(name) : this.removed.get(name)) !== fn)
      throw this.deployRefusal(name, mode);
    const desired = mode === 'update' ? fn.desired : spec.minReplicas;
    for (const replica of fn.replicas.slice()) this.retire(fn, replica, this.scaleDownGrace(fn.spec));
    fn.spec = spec;
    await prepareSecrets(name, spec.secrets, this.options.secretsDir, fn.secretsDir);
    this.removed.delete(name);
    this.running.set(name, fn);
    if (mode === 'create') fn.createdAt = new Date();
    // The stack's local overrides (S3_ENDPOINT, TEMPORAL_ADDRESS, ...) win over the request's values, as at start.
    const kept = Object.keys(spec.environment).filter((key) => key in (this.options.envOverrides ?? {}));
    const keptNote = kept.length > 0 ? `; the local stack keeps its own ${kept.join(', ')}` : '';
    this.note(fn, `[supervisor] deployed (${mode}): replicas restart with the new configuration${keptNote}`);
    this.setReplicas(name, desired);
  }

  /** Stops every replica of `name` and takes it out of the gateway until a deploy brings it back. */
  async removeFunction(name: string): Promise<void> {
    const fn = this.running.get(name);
    if (!fn) throw new GatewayError(404, `function ${name} not found in namespace ${FUNCTION_NAMESPACE}`);
    this.running.delete(name);
    this.removed.set(name, fn);
    fn.desired = 0;
    this.note(fn, '[supervisor] removed: stopping its replicas');
    for (const replica of fn.replicas.slice()) this.retire(fn, replica, this.scaleDownGrace(fn.spec));
  }

  private deployRefusal(name: string, mode: 'create' | 'update'): GatewayError {
    if (mode === 'update' && this.removed.has(name))
      return new GatewayError(404, `function ${name} was removed: deploy it again to create it`);
    if (mode === 'create' && this.running.has(name)) {
      return new GatewayError(
        409,
        `function ${name} already exists: update it with PUT /system/functions (faas-cli deploy does by default)`,
      );
    }
    const known = [...this.running.keys(), ...this.removed.keys()].sort().join(', ');
    const why =
      `function ${name} is not in the local stack's stack files, and the local stack runs only the handler folders ` +
      `they name (${known}): add it to stack.yml and restart the stack`;
    return new GatewayError(mode === 'update' ? 404 : 400, why);
  }

  private async assertSecretsExist(name: string, secrets: string[]): Promise<void> {
    for (const secret of secrets) {
      const plain = secret === path.basename(secret) && !secret.startsWith('.');
      const present =
        plain &&
        (await access(path.join(this.options.secretsDir, secret)).then(
          () => true,
          () => false,
        ));
      if (!present) {
        throw new GatewayError(
          422,
          `secrets: function ${name} asks for the secret "${secret}", which the local stack does not have in ${this.options.secretsDir}`,
        );
      }
    }
  }

  private note(fn: Running, text: string): void {
    this.logs.append(fn.spec.name, 'gateway', text);
    this.options.onLog?.(fn.spec.name, 'gateway', text);
  }

  /** The replicas of `name` now (empty for an unknown function). */
  replicas(name: string): ReplicaInfo[] {
    return (this.running.get(name)?.replicas ?? []).map((r) => ({
      id: r.id,
      state: r.state,
      restarts: r.restarts,
      ...(r.pid !== undefined && { pid: r.pid }),
      ...(r.url !== undefined && { url: r.url }),
      ...(r.lastExit !== undefined && { lastExit: r.lastExit }),
    }));
  }

  setReplicas(name: string, replicas: number): number {
    const fn = this.running.get(name);
    if (!fn) throw new Error(`unknown function: ${name}`);
    if (this.stopped) throw new Error('the supervisor is stopped');
    fn.desired = clampReplicas(fn.spec, replicas);
    while (fn.replicas.length < fn.desired) fn.replicas.push(this.startReplica(fn));
    // Scale down: replicas not (yet) ready go first, then the newest.
    const byKeep = [...fn.replicas].sort((a, b) => Number(b.state === 'ready') - Number(a.state === 'ready'));
    for (const replica of byKeep.slice(fn.desired)) this.retire(fn, replica, this.scaleDownGrace(fn.spec));
    return fn.desired;
  }

  async acquireReplica(name: string, waitMs: number, signal?: AbortSignal): Promise<ReplicaTarget | undefined> {
    const fn = this.running.get(name);
    if (!fn || this.stopped) return undefined;
    if (fn.desired === 0) this.setReplicas(name, 1); // scale from zero
    const deadline = Date.now() + waitMs;
    for (;;) {
      const ready = fn.replicas.filter((r) => r.state === 'ready' && r.url);
      if (ready.length > 0) {
        const replica = ready[fn.turn++ % ready.length]!;
        return { instance: replica.id, url: replica.url! };
      }
      if (Date.now() >= deadline || signal?.aborted || this.stopped) return undefined;
      await sleep(25);
    }
  }

  /**
   * Resolves once every function has its min replicas ready. Rejects after `timeoutMs`, or earlier when a
   * replica keeps crashing, naming the functions not ready and the last log lines of their replicas.
   */
  async waitUntilReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const crashLoop = this.options.crashLoopRestarts ?? 5;
    for (;;) {
      const waiting = [...this.running.values()].filter(
        (fn) => this.getFunction(fn.spec.name)!.availableReplicas < fn.spec.minReplicas,
      );
      if (waiting.length === 0) return;
      const looping = waiting.some((fn) => fn.replicas.some((r) => r.state !== 'ready' && r.restarts >= crashLoop));
      if (looping || Date.now() >= deadline) {
        const why = looping
          ? 'not ready, a replica keeps crashing'
          : `not ready after ${Math.round(timeoutMs / 1000)} s`;
        throw new Error(`functions ${why}:\n${waiting.map((fn) => this.describe(fn)).join('\n')}`);
      }
      await sleep(100);
    }
  }

  /** Stops every replica: SIGTERM, SIGKILL after the grace; resolves when no process it started is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.running.values()].flatMap((fn) => fn.replicas.splice(0).map((r) => this.retire(fn, r)));
    await Promise.all([...all, ...this.retiring]);
  }

  private startReplica(fn: Running): Replica {
    const id = `${fn.spec.name}-${randomBytes(3).toString('hex')}`;
    const log = (text: string) => {
      this.logs.append(fn.spec.name, id, text);
      this.options.onLog?.(fn.spec.name, id, text);
    };
    const replica = new Replica({
      id,
      watchdogBinary: this.options.watchdogBinary,
      cwd: fn.template.dir,
      env: ({ port, httpPort }) =>
        replicaEnv({
          spec: fn.spec,
          template: fn.template,
          port,
          httpPort,
          secretsDir: fn.secretsDir,
          venvBin: this.options.venvBin,
          envOverrides: this.options.envOverrides,
        }),
      log,
      backoff: { ...DEFAULT_RESTART_BACKOFF, ...this.options.restartBackoff },
      stopGraceMs: this.options.stopGraceMs ?? 5_000,
      pids: this.pids,
    });
    replica.start();
    return replica;
  }

  private scaleDownGrace(spec: FunctionSpec): number {
    const floor = this.options.stopGraceMs ?? 5_000;
    return Math.max(floor, this.options.scaleDownGraceMs?.(spec) ?? spec.timeouts.writeMs + 2_000);
  }

  /**
   * Takes a replica out of rotation at once (the gateway sends it nothing new) and stops it in the background:
   * SIGTERM, SIGKILL after `graceMs` (stop() waits for it).
   */
  private retire(fn: Running, replica: Replica, graceMs?: number): Promise<void> {
    fn.replicas = fn.replicas.filter((r) => r !== replica);
    if (graceMs !== undefined) {
      const note = `[supervisor] scaled down: SIGTERM, SIGKILL after ${graceMs} ms`;
      this.logs.append(fn.spec.name, replica.id, note);
      this.options.onLog?.(fn.spec.name, replica.id, note);
    }
    const done = replica.stop(graceMs).finally(() => this.retiring.delete(done));
    this.retiring.add(done);
    return done;
  }

  private describe(fn: Running): string {
    const ready = fn.replicas.filter((r) => r.state === 'ready').length;
    const states = fn.replicas.map(
      (r) => `${r.id} ${r.state}${r.restarts ? `, ${r.restarts} restarts, last ${r.lastExit}` : ''}`,
    );
    const lines = this.logs.query({ name: fn.spec.name, tail: 15 }).map((l) => `  [${l.instance}] ${l.text}`);
    return (
      `${fn.spec.name} (${ready} of ${fn.spec.minReplicas} ready; ${states.join('; ') || 'no replicas'})\n` +
      `  last log lines of ${fn.spec.name}:\n${lines.join('\n') || '  (none)'}`
    );
  }
}

/** `replicas` within the function's `com.openfaas.scale.min` and `.max` labels. */
export function clampReplicas(spec: Pick<FunctionSpec, 'minReplicas' | 'maxReplicas'>, replicas: number): number {
  return Math.min(Math.max(Math.trunc(replicas), spec.minReplicas), spec.maxReplicas);
}
