/**
 * Durations as the API takes them (`30s`, `5m`, `2h`, `1d`: a whole number and a unit), in milliseconds, and the
 * zod schema of a bounded one, shared by the schedules and watches routes.
 */
import toRegexRange from 'to-regex-range';
import { z } from 'zod';

const SECOND = 1000;
const UNIT_MS = { s: SECOND, m: 60 * SECOND, h: 3600 * SECOND, d: 86_400 * SECOND } as const;
type Unit = keyof typeof UNIT_MS;
/** At most 7 digits: the field is at most 8 characters with its unit. */
const MAX_NUMBER = 9_999_999;

const DURATION = /^(\d{1,7})([smhd])$/;

/** Whether each value is a duration the pattern takes (refinements measure only those: the pattern names the rest). */
export function wellFormed(...values: (string | undefined)[]): boolean {
  return values.every((value) => value !== undefined && DURATION.test(value));
}

/** `30s`, `5m`, `2h`, `1d` → milliseconds. */
export function durationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** Milliseconds → the largest whole unit (`90000` → `90s`, `120000` → `2m`); under a second → `0s`. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / SECOND)}s`;
}

/**
 * The regular expression of exactly the durations between `minMs` and `maxMs` (leading zeros allowed, as the
 * parser takes them): one numeric range per unit. For the API document, where a refinement cannot be said.
 */
export function durationPattern(minMs: number, maxMs: number): string {
  const ranges = (Object.entries(UNIT_MS) as [Unit, number][]).flatMap(([unit, ms]) => {
    const low = Math.ceil(minMs / ms);
    const high = Math.min(Math.floor(maxMs / ms), MAX_NUMBER);
    return low <= high ? [`0*${toRegexRange(low, high)}${unit}`] : [];
  });
  return `^(?:${ranges.join('|')})$`;
}

/**
 * A duration between `minMs` and `maxMs` (inclusive). A request gets one of two errors: the shape, or the bounds;
 * the API document gets the exact pattern of both.
 */
export function durationSchema(minMs: number, maxMs: number) {
  return z
    .string()
    .max(8)
    .regex(DURATION, 'a whole number and a unit: s, m, h or d ("30s", "5m", "2h", "1d")')
    .refine((text) => !wellFormed(text) || (durationMs(text) >= minMs && durationMs(text) <= maxMs), {
      message: `between ${formatDurationMs(minMs)} and ${formatDurationMs(maxMs)}`,
    })
    .meta({ pattern: durationPattern(minMs, maxMs) });
}
