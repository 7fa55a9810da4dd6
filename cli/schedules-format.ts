/** How `baton schedules list` and `baton schedules show` print schedules. */
import type { ScheduleSummaryView, ScheduleView } from './api/schedules-client.ts';
import { formatTime, linkLines, prettyJson, table } from './format.ts';

/** The `schedules list` table. */
export function schedulesTable(schedules: readonly ScheduleSummaryView[], timeZone?: string): string[] {
  return table(
    ['SCHEDULE ID', 'PIPELINE', 'STATE', 'NEXT RUN', 'LAST RUN', 'CREATED BY'],
    schedules.map((schedule) => [
      schedule.scheduleId,
      schedule.pipeline,
      schedule.paused ? 'paused' : 'active',
      schedule.nextActionTimes[0] && !schedule.paused ? formatTime(schedule.nextActionTimes[0], timeZone) : '-',
      schedule.lastRun?.runId ?? '-',
      schedule.createdBy ?? '-',
    ]),
  );
}

/** When a schedule fires, in one line per part: `cron 0 3 * * *`, `every 2h offset 15m`. */
export function specLines(spec: ScheduleView['spec']): string[] {
  return [
    ...(spec.cron ?? []).map((cron) => `cron ${cron}`),
    ...(spec.intervals ?? []).map((each) => `every ${each.every}${each.offset ? ` offset ${each.offset}` : ''}`),
    ...(spec.timezone ? [`time zone ${spec.timezone}`] : []),
    ...(spec.jitter ? [`jitter up to ${spec.jitter}`] : []),
    ...(spec.startAt ? [`from ${spec.startAt}`] : []),
    ...(spec.endAt ? [`until ${spec.endAt}`] : []),
  ];
}

/** `schedules show`: what it runs, when, its state, its last runs and next times, and its links. */
export function scheduleDetails(schedule: ScheduleView, timeZone?: string): string[] {
  const state = schedule.state.paused ? 'paused' : 'active';
  const lines = [
    `schedule   ${schedule.scheduleId}`,
    `pipeline   ${schedule.pipeline}`,
    `state      ${state}${schedule.state.note ? ` (${schedule.state.note})` : ''}`,
    `when       ${specLines(schedule.spec).join('; ') || '(calendar set outside Baton: see the Temporal UI)'}`,
    `overlap    ${schedule.policy.overlap}; catch-up window ${schedule.policy.catchupWindow}${schedule.policy.pauseOnFailure ? '; pauses when a run fails' : ''}`,
    `created    ${formatTime(schedule.createdAt, timeZone)}${schedule.createdBy ? ` by ${schedule.createdBy.name}` : ''}`,
    `runs       ${schedule.actions.taken} started, ${schedule.actions.skippedOverlap} skipped (overlap), ${schedule.actions.missedCatchupWindow} missed (catch-up window)`,
  ];
  if (schedule.input !== undefined) lines.push('', 'input', ...prettyJson(schedule.input));
  lines.push(
    '',
    'recent runs',
    ...(schedule.recentActions.length
      ? schedule.recentActions.map(
          (action) =>
            `  ${action.runId}  ${formatTime(action.takenAt, timeZone)}${schedule.runningRuns.includes(action.runId) ? '  running' : ''}`,
        )
      : ['  none yet']),
    '',
    'next runs',
    ...(schedule.nextActionTimes.length
      ? schedule.nextActionTimes.map((time) => `  ${formatTime(time, timeZone)}`)
      : ['  none']),
    '',
    ...linkLines(schedule.links),
  );
  return lines;
}
