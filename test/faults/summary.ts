/** The fault tests' closing lines: kills per kind, runs accepted, completed and failed (with reasons), violations. */
import type { InvariantReport } from './invariants.ts';
import type { KillRecord } from './kill.ts';
import type { LoadRun } from './load.ts';

/** Kills done per kind (skipped tries not counted). */
export function killsPerKind(kills: readonly KillRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kill of kills) if (kill.pid) counts[kill.kind] = (counts[kill.kind] ?? 0) + 1;
  return counts;
}

/** The summary as lines to print. */
export function summaryLines(
  kills: readonly KillRecord[],
  runs: readonly LoadRun[],
  report: InvariantReport,
): string[] {
  const counts = killsPerKind(kills);
  const completed = runs.filter((run) => run.status === 'completed').length;
  const failed = runs.filter((run) => run.status && run.status !== 'completed');
  const reasons = new Map<string, number>();
  for (const run of failed) {
    const reason = `${run.status}: ${run.error ?? ''}`.slice(0, 200);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return [
    `kills per kind: ${Object.entries(counts)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')} (total ${Object.values(counts).reduce((a, b) => a + b, 0)})`,
    `runs accepted ${runs.length}, completed ${completed}, failed ${failed.length}, still open ${runs.filter((r) => !r.status).length}`,
    ...[...reasons].map(([reason, n]) => `  failed ×${n}: ${reason}`),
    `duplicates found: ${report.duplicateVersions.length} registered versions, ${report.duplicateArtifacts.length} artifacts; dataset problems ${report.datasets.length}; production pointer problems ${report.production.length}; stuck ${report.stuck.length}; silent failures ${report.silentFailures.length}`,
    ...Object.entries(report).flatMap(([check, list]: [string, string[]]) => list.map((line) => `  ${check}: ${line}`)),
  ];
}
