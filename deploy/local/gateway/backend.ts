import type { LogStore } from '../log-store.ts';
import type { FunctionSpec } from '../stack-file.ts';

/** The namespace the local gateway reports for every function (OpenFaaS' default). */
export const FUNCTION_NAMESPACE = 'openfaas-fn';

/** A function as the gateway reports it. */
export interface FunctionView {
  spec: FunctionSpec;
  /** The watchdog's fprocess. */
  envProcess: string;
  /** Desired replicas. */
  replicas: number;
  /** Replicas ready to take calls. */
  availableReplicas: number;
  createdAt: Date;
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
}
