import { ArtifactStore, artifactStoreConfigFromEnv } from './artifacts.ts';
import { readSecret } from './secrets.ts';
import type { RunContext } from './step-contract.ts';

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
}

let sharedStore: ArtifactStore | undefined;

/** Builds the context of one call. The artifact store is shared by all calls of the process. */
export function createStepContext(run: RunContext, callId: string): StepContext {
  return {
    run,
    callId,
    secret: (name) => readSecret(name),
    artifacts: () => (sharedStore ??= new ArtifactStore(artifactStoreConfigFromEnv())),
    runKey: (name) => `runs/${run.workflowId}/${run.step}/${name}`,
    log: (message) => console.log(`[${callId}] ${message}`),
  };
}
