/**
 * The Temporal worker's log, without task tokens. The SDK attaches the attempt's task token (base64) to every
 * activity log line (`Activity failed`, and anything an activity logs through `Context.log`); a task token completes
 * or fails that attempt, so it is a credential and stays out of the log. Every other attribute is kept.
 */
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type MetricsExporterConfig } from '@temporalio/worker';

/** Attributes never written: Temporal's names for an attempt's task token. */
const SECRET_ATTRIBUTES = new Set(['taskToken', 'base64TaskToken']);

/** One log line as the SDK's default logger writes it, with the secret attributes left out. */
export function formatEntry(entry: LogEntry): string {
  const date = new Date(Number(entry.timestampNanos / 1_000_000n));
  const meta =
    entry.meta && Object.fromEntries(Object.entries(entry.meta).filter(([name]) => !SECRET_ATTRIBUTES.has(name)));
  const tail = meta && Object.keys(meta).length > 0 ? ` ${inspect(meta, { breakLength: Infinity })}` : '';
  return `${date.toISOString()} [${entry.level}] ${entry.message}${tail}`;
}

/** A logger of `level` that writes formatEntry lines to `write` (default stderr, as the SDK's). */
export function redactingLogger(
  level: LogLevel = 'INFO',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(formatEntry(entry)));
}

let installed = false;

/**
 * Installs the redacting logger in Temporal's runtime, with `metrics` when given (telemetry/worker-metrics.ts); once
 * per process, before the first worker connection.
 */
export function installRedactingRuntimeLogger(metrics?: MetricsExporterConfig): void {
  if (installed) return;
  Runtime.install({ logger: redactingLogger(), ...(metrics && { telemetryOptions: { metrics } }) });
  installed = true;
}
