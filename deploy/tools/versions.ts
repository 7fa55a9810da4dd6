/**
 * Reading tool versions from their `--version` output, and deciding whether a version found on PATH fits.
 * Pure functions, so they are tested without the tools.
 */

export type Semver = [number, number, number];

/** The first `x.y.z` in a text (an optional leading `v` is allowed). */
export function parseSemver(text: string): Semver | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareSemver(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `found` can stand in for `pinned`: at least the pinned version, within the same major version
 * (`scope: 'major'`), or the same minor for 0.x tools whose minor releases may break (`scope: 'minor'`).
 */
export function semverFits(found: string, pinned: string, scope: 'major' | 'minor'): boolean {
  const f = parseSemver(found);
  const p = parseSemver(pinned);
  if (!f || !p) return false;
  if (f[0] !== p[0] || (scope === 'minor' && f[1] !== p[1])) return false;
  return compareSemver(f, p) >= 0;
}

/** `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)` → `1.5.1`. Source builds say `0.0.0-DEV`: unknown. */
export function temporalVersion(output: string): string | undefined {
  const m = /temporal version v?(\d+\.\d+\.\d+)(\S*)/.exec(output);
  if (!m || m[2] === '-DEV' || m[1] === '0.0.0') return undefined;
  return m[1];
}

/** `minio version RELEASE.2025-04-22T22-12-26Z (...)` → `2025-04-22T22-12-26Z`. Source builds have no date. */
export function minioRelease(output: string): string | undefined {
  return /minio version RELEASE\.(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)/.exec(output)?.[1];
}

/** A MinIO release fits when it is no older than `minimum` (same format; these dates sort as text). */
export function minioFits(release: string, minimum: string): boolean {
  return release >= minimum;
}

/** of-watchdog logs `Version: 0.11.6\tSHA: ...` for `-version` (to stderr). Baton's stand-in says otherwise. */
export function ofWatchdogVersion(output: string): string | undefined {
  return /Version:\s*v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/** The line Baton's stand-in watchdog prints for `--version`; keep equal to `version` in its main.go. */
export const STAND_IN_VERSION_LINE = 'baton-watchdog 0.11.6-compatible (stand-in)';

/** `faas-cli version --short-version` prints `0.18.12`; the long form has `version: 0.18.12`. */
export function faasCliVersion(output: string): string | undefined {
  const m = /(?:^|version:?\s*)v?(\d+\.\d+\.\d+)/m.exec(output.trim());
  return m?.[1];
}

/** `go version go1.22.5 linux/amd64` → [1, 22, 5] (a missing patch counts as 0). */
export function goVersion(output: string): Semver | undefined {
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** `Python 3.11.7` → [3, 11, 7]. */
export function pythonVersion(output: string): Semver | undefined {
  return parseSemver(/Python\s+(\S+)/.exec(output)?.[1] ?? '');
}
