/** `baton schedules list|show|delete|pause|unpause|trigger` (`schedules create` is in schedules-create.ts). */
import type { Command } from '../context.ts';
import { integerOption } from '../args.ts';
import { EXIT } from '../errors.ts';
import { scheduleDetails, schedulesTable } from '../schedules-format.ts';
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  setSchedulePaused,
  triggerSchedule,
  type OverlapPolicy,
} from '../api/schedules-client.ts';

/** The overlap policies, for the help of the commands that take `--overlap`. */
export const OVERLAP_HELP = [
  '                          skip (no new run), buffer-one (one run waits), buffer-all (all wait),',
  '                          cancel-other (cancel the running one), terminate-other, allow-all (run both)',
].join('\n');

const MANAGE =
  'A key with role trigger manages the schedules it created; an admin key any schedule. Exit codes: 0 done,\n2 refused (unknown schedule: 404, not yours: 403), 3 cannot reach the stack.';

export const schedulesListCommand: Command = {
  name: 'schedules list',
  synopsis: 'baton schedules list [--pipeline <name>] [--limit <n>] [--json]',
  summary: 'list schedules: pipeline, state, next and last run',
  details: [
    'GET /schedules. Temporal lists schedules eventually: one made a second ago may not show yet.',
    '',
    'Options:',
    '  --pipeline <name>  only the schedules of this pipeline',
    '  --limit <n>        at most n schedules, 1 to 1000 (default 50)',
    '  --json             print the schedules as JSON',
  ].join('\n'),
  options: { pipeline: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const limit = integerOption(values.limit, 'limit', 1, 1000, 'schedules list');
    const pipeline = typeof values.pipeline === 'string' ? values.pipeline : undefined;
    const schedules = await listSchedules(ctx.api, { pipeline, limit });
    if (values.json === true) ctx.out(JSON.stringify(schedules, null, 2));
    else if (schedules.length === 0)
      ctx.err(
        `no schedules${pipeline ? ` of pipeline ${pipeline}` : ' yet'}: make one with \`baton schedules create <pipeline> --cron "0 3 * * *"\``,
      );
    else ctx.out(schedulesTable(schedules, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};

export const schedulesShowCommand: Command = {
  name: 'schedules show',
  synopsis: 'baton schedules show <scheduleId> [--json]',
  summary: 'a schedule: when it fires, its state, its recent runs and next times',
  details: "GET /schedules/{scheduleId}.\n\nOptions:\n  --json   print the API's answer as JSON",
  options: { json: { type: 'boolean' } },
  positionals: ['scheduleId'],
  async run(ctx, { values, positionals }) {
    const schedule = await getSchedule(ctx.api, positionals[0]!);
    ctx.out(
      values.json === true ? JSON.stringify(schedule, null, 2) : scheduleDetails(schedule, ctx.timeZone).join('\n'),
    );
    return EXIT.ok;
  },
};

export const schedulesDeleteCommand: Command = {
  name: 'schedules delete',
  synopsis: 'baton schedules delete <scheduleId>',
  summary: 'delete a schedule (the runs it started go on)',
  details: `DELETE /schedules/{scheduleId}. ${MANAGE}`,
  options: {},
  positionals: ['scheduleId'],
  async run(ctx, { positionals }) {
    const deleted = await deleteSchedule(ctx.api, positionals[0]!);
    ctx.out(`deleted schedule ${deleted.scheduleId}`);
    return EXIT.ok;
  },
};

function pauseCommand(paused: boolean): Command {
  const verb = paused ? 'pause' : 'unpause';
  return {
    name: `schedules ${verb}`,
    synopsis: `baton schedules ${verb} <scheduleId> [--note <text>]`,
    summary: paused ? 'pause a schedule: it starts no run until unpaused' : 'unpause a schedule',
    details: [
      `POST /schedules/{scheduleId}/${verb}. ${MANAGE}`,
      '',
      'Options:',
      `  --note <text>   why (shown in \`baton schedules show\` and the Temporal UI; default "${verb}d by <you>")`,
    ].join('\n'),
    options: { note: { type: 'string' } },
    positionals: ['scheduleId'],
    async run(ctx, { values, positionals }) {
      const note = typeof values.note === 'string' ? values.note : undefined;
      const changed = await setSchedulePaused(ctx.api, positionals[0]!, paused, note);
      ctx.out(`${verb}d schedule ${changed.scheduleId} (${changed.note})`);
      return EXIT.ok;
    },
  };
}

export const schedulesPauseCommand = pauseCommand(true);
export const schedulesUnpauseCommand = pauseCommand(false);

export const schedulesTriggerCommand: Command = {
  name: 'schedules trigger',
  synopsis: 'baton schedules trigger <scheduleId> [--overlap <policy>]',
  summary: 'start a run of a schedule now (also while paused)',
  details: [
    `POST /schedules/{scheduleId}/trigger. The run shows in \`baton schedules show\` within a second. ${MANAGE}`,
    '',
    'Options:',
    '  --overlap <policy>      for this run only (default allow-all: it starts even while another runs):',
    OVERLAP_HELP,
  ].join('\n'),
  options: { overlap: { type: 'string' } },
  positionals: ['scheduleId'],
  async run(ctx, { values, positionals }) {
    const overlap = typeof values.overlap === 'string' ? (values.overlap as OverlapPolicy) : undefined;
    const triggered = await triggerSchedule(ctx.api, positionals[0]!, overlap);
    ctx.out(
      `triggered schedule ${triggered.scheduleId} (overlap ${triggered.overlap}); see the run: baton schedules show ${triggered.scheduleId}`,
    );
    return EXIT.ok;
  },
};
