/**
 * Everything the benchmarks start is registered here and stopped here, last started first: at the end, on a
 * failure and on Ctrl-C (SIGINT) or SIGTERM. A second signal exits at once.
 */
const stoppers: { name: string; stop: () => Promise<void> }[] = [];
const controller = new AbortController();
let stopping: Promise<void> | undefined;

/** Aborted when the run is interrupted: benchmarks check it between rounds. */
export const benchSignal: AbortSignal = controller.signal;

/** Registers how to stop something; returns a function that unregisters it (once its owner stopped it). */
export function onStop(name: string, stop: () => Promise<void>): () => void {
  const entry = { name, stop };
  stoppers.push(entry);
  return () => {
    const index = stoppers.indexOf(entry);
    if (index >= 0) stoppers.splice(index, 1);
  };
}

/** Stops everything registered, newest first; failures are reported, not thrown. Safe to call more than once. */
export function stopAll(say: (line: string) => void): Promise<void> {
  stopping ??= (async () => {
    while (stoppers.length > 0) {
      const { name, stop } = stoppers.pop()!;
      say(`stopping ${name}…`);
      await stop().catch((error: unknown) => say(`stopping ${name} failed: ${(error as Error).message}`));
    }
  })().finally(() => (stopping = undefined));
  return stopping;
}

/** On SIGINT/SIGTERM: abort the benchmarks, stop everything, exit 130/143. */
export function stopOnSignals(say: (line: string) => void): void {
  let signalled = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(code);
      signalled = true;
      say(`${signal}: stopping every process the benchmarks started (again to exit at once)…`);
      // Calls in flight fail once their connections close: expected now, and no reason to stop cleaning up.
      process.on('uncaughtException', () => {});
      process.on('unhandledRejection', () => {});
      controller.abort(new Error(`interrupted by ${signal}`));
      void stopAll(say).finally(() => process.exit(code));
    });
  }
}
