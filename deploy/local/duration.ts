const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a watchdog timeout the way of-watchdog does: a whole number means seconds (`"30"`), anything else is a
 * Go duration (`"600s"`, `"1m30s"`, `"1.5h"`). Returns milliseconds, or `undefined` when the value is not one.
 */
export function parseWatchdogDuration(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (unitMs[unit!] ?? 0), 0);
}
