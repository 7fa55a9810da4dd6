/**
 * Baton's one duration parser. No imports: workflow code uses it too (it is deterministic and bundle-safe), and no
 * SDK internals: Temporal's own parser sits in a deep `lib/` path that may move in any release.
 */

/** Milliseconds per unit: Go's (of-watchdog's timeouts, `RESOURCE_TIMEOUT`) and `d` for Temporal-style texts. */
const UNIT_MS = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** Go's units: what of-watchdog's `exec_timeout` & co. take (`600s`, `1m30s`, `1.5h`). */
export const GO_DURATION_UNITS: readonly Unit[] = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h'];
/** The units of a Temporal duration text in a promotion policy (`90s`, `30m`, `24h`, `7d`). */
export const TEMPORAL_DURATION_UNITS: readonly Unit[] = ['ms', 's', 'm', 'h', 'd'];

/**
 * Parses a duration: one or more `<number><unit>` runs (`1m30s`, `1.5h`, `250ms`) with `units` allowed, or, with
 * `bareSeconds`, a whole number of seconds (`"30"`, as of-watchdog reads it). Milliseconds, or `undefined` when the
 * text is not one (spaces, unknown units, signs).
 */
export function parseDuration(
  value: string,
  options: { units?: readonly Unit[]; bareSeconds?: boolean } = {},
): number | undefined {
  const { units = GO_DURATION_UNITS, bareSeconds = true } = options;
  if (bareSeconds && /^\d+$/.test(value)) return Number(value) * 1000;
  // Longest unit names first, so `ms` is not read as `m` + `s`.
  const alternatives = [...units].sort((a, b) => b.length - a.length).join('|');
  const parts = [...value.matchAll(new RegExp(`(\\d+(?:\\.\\d*)?|\\.\\d+)(${alternatives})`, 'g'))];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_MS[unit as Unit], 0);
}

/** A of-watchdog timeout (`exec_timeout`, `read_timeout`, ...): whole seconds or a Go duration; milliseconds. */
export function parseWatchdogDuration(value: string): number | undefined {
  return parseDuration(value);
}

/**
 * A Temporal duration text already checked by its schema (`durationText` in workflows/promotion/policy.ts), in
 * milliseconds; throws naming the text when it is not one (a bug: the schema lets only valid ones through).
 */
export function temporalDurationMs(value: string): number {
  const ms = parseDuration(value, { units: TEMPORAL_DURATION_UNITS, bareSeconds: false });
  if (ms === undefined) throw new TypeError(`"${value}" is not a duration like "30m", "24h" or "7d"`);
  return ms;
}
