import type { LogStore } from '../log-store.ts';
import type { DeploymentFields, FunctionSpec } from '../stack-file.ts';

/** The namespace the local gateway reports for every function (OpenFaaS' default). */
export const FUNCTION_NAMESPACE = 'openfaas-fn';

/** A function as the gateway reports it. */
export interface FunctionView {
  spec: FunctionSpec;
  /** The watchdog's fprocess. */
  envProcess: string;
  /**
   * The environment its replicas run with: the function's own, the local stack's overrides over it and the replica
   * contract's variables (not the per-run ports, not what the process inherits). Secrets are files, never here.
   */
  environment: Record<string, string>;
  /** Desired replicas. */
  replicas: number;
  /** Replicas ready to take calls. */
  availableReplicas: number;
  createdAt: Date;
}

/** faas-provider's `types.FunctionDeployment`, the body of `POST`/`PUT /system/functions`, as the gateway parsed it. */
export interface FunctionDeployment extends DeploymentFields {
  service: string;
  namespace?: string;
  /** faas-cli sends the template's fprocess; the local stack takes it from the template folder it runs. */
  envProcess?: string;
}

/** A ready replica to send one call to. */
export interface ReplicaTarget {
  instance: string;
  /** The watchdog's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

/** What the gateway needs from whatever runs the functions (the Supervisor, or a fake in tests). */
export interface GatewayBackend {
  readonly logs: LogStore;
  listFunctions(): FunctionView[];
  getFunction(name: string): FunctionView | undefined;
  /** Sets the desired replicas, clamped to the function's min/max; returns the value applied. */
  setReplicas(name: string, replicas: number): number;
  /**
   * The next ready replica (round-robin). When none is ready, waits up to `waitMs` for one that is starting
   * (scaling a function at zero replicas up first, as OpenFaaS does); `undefined` when none came.
   */
  acquireReplica(name: string, waitMs: number, signal?: AbortSignal): Promise<ReplicaTarget | undefined>;
  /**
   * `faas-cli deploy`: `update` gives a running function the request's configuration, `create` brings back a removed
   * one; either way its replicas restart with the new environment and read the handler again from disk. Throws a
   * GatewayError (404 for an unknown function on update, 409 creating one that runs, 4xx for what the local
   * stack cannot do).
   */
  deployFunction(deployment: FunctionDeployment, mode: 'create' | 'update'): Promise<void>;
  /** `faas-cli remove`: stops every replica of `name`; it is gone (404) until deployed again. GatewayError 404 when unknown. */
  removeFunction(name: string): Promise<void>;
}
