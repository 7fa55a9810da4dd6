/** How `baton watches list` and `baton watches show` print data-change watches. */
import type { WatchView } from './api/watches-client.ts';
import { formatTime, linkLines, table } from './format.ts';

/** A watch's source in one line: `csv data/wine.csv`, `postgres public.wine (max of loaded_at)`. */
export function sourceLine(source: WatchView['source']): string {
  if (source.kind === 'csv') return `csv ${source.path ?? source.url ?? '?'}`;
  if (source.kind === 'minio-prefix') return `minio-prefix ${source.prefix}`;
  const column = source.highWaterMark ? `max of ${source.highWaterMark}` : 'checksum';
  return `postgres ${source.schema}.${source.table} (${column})`;
}

/** The `watches list` table. */
export function watchesTable(watches: readonly WatchView[], timeZone?: string): string[] {
  return table(
    ['WATCH ID', 'PIPELINE', 'SOURCE', 'EVERY', 'LAST POLL', 'LAST VERSION', 'LAST RUN'],
    watches.map((watch) => [
      watch.watchId,
      watch.pipeline,
      sourceLine(watch.source),
      watch.interval,
      watch.lastPollAt ? formatTime(watch.lastPollAt, timeZone) : '-',
      shortVersion(watch.lastVersion),
      watch.lastRun?.workflowId ?? '-',
    ]),
  );
}

/** `watches show`: its source and pipeline, what it last saw and started, and its links. */
export function watchDetails(watch: WatchView, timeZone?: string): string[] {
  return [
    `watch         ${watch.watchId} (${watch.status})`,
    `pipeline      ${watch.pipeline}`,
    `source        ${sourceLine(watch.source)}, every ${watch.interval}`,
    `created       ${formatTime(watch.createdAt, timeZone)} by ${watch.createdBy.name}`,
    `last poll     ${watch.lastPollAt ? formatTime(watch.lastPollAt, timeZone) : '-'} (${watch.polls} polls)`,
    `last version  ${watch.lastVersion ?? '-'}`,
    ...(watch.lastError ? [`last error    ${watch.lastError}`] : []),
    `last run      ${watch.lastRun ? `${watch.lastRun.workflowId} (version ${shortVersion(watch.lastRun.version)}, ${formatTime(watch.lastRun.startedAt, timeZone)})` : '-'}`,
    `runs started  ${watch.runsStarted}`,
    ...linkLines(watch.links),
  ];
}

/** A sha256 version cut to 12 hex digits in a table; other versions as they are. */
function shortVersion(version: string | undefined): string {
  if (!version) return '-';
  return /^sha256:[0-9a-f]{64}$/.test(version) ? `${version.slice(0, 19)}…` : version;
}
