/**
 * Runs `fn` inside a minimal activity context, as the worker would run an activity (no heartbeats, no cancellation),
 * for unit tests that call an activity function directly with chosen `Info` fields.
 */
import { asyncLocalStorage, Context, type Info } from '@temporalio/activity';

export function runInActivityContext<T>(info: Partial<Info>, fn: () => Promise<T>): Promise<T> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const context = new (Context as unknown as new (...args: unknown[]) => Context)(
    info as Info,
    new Promise<never>(() => {}),
    new AbortController().signal,
    () => {},
    undefined,
    logger,
    undefined,
    undefined,
  );
  return asyncLocalStorage.run(context, fn);
}
