import type { Command } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { linkLines } from '../format.ts';
import { readInput } from '../input.ts';
import { createSchedule, type OverlapPolicy, type ScheduleRequest } from '../api/schedules-client.ts';
import { OVERLAP_HELP } from './schedules.ts';

const NAME = 'schedules create';

export const schedulesCreateCommand: Command = {
  name: NAME,
  synopsis:
    'baton schedules create <pipeline> (--cron <exprs> | --every <intervals> | --spec <json>) [--input <json>] [options]',
  summary: 'put a pipeline on a schedule (a Temporal Schedule, on the Temporal UI’s Schedules page)',
  details: [
    "POST /schedules. The input is checked against the pipeline's input schema, as by `baton run`. Each run the",
    'schedule starts is a run like any other (`baton runs list --where "BatonTrigger = \'schedule\'"`), started',
    'by you; its id is <schedule id>-<scheduled time>.',
    '',
    'When (at least one of --cron, --every, or all of it in --spec):',
    '  --cron <exprs>          cron expressions, ";" between two: "0 3 * * *" (03:00 daily), "0 */6 * * MON-FRI",',
    '                          @hourly, @daily, @weekly, @monthly, @yearly',
    '  --every <intervals>     intervals, "," between two, each with an optional /offset: 2s, 15m, 1d/3h',
    '  --timezone <zone>       of the cron expressions, e.g. Europe/Paris (default UTC)',
    '  --jitter <duration>     move each time later by a random amount up to this (at most 1d)',
    '  --start <time>          no run before this ISO time;  --end <time>  no run after it',
    '  --spec <value>          the whole spec as JSON (a file, inline JSON or - for stdin):',
    '                          {"cron": [...], "intervals": [{"every": "1h", "offset": "15m"}], "timezone": ...}',
    '',
    'What:',
    '  --input <value>         the runs\' input: a JSON file, inline JSON (\'{"dataset": "wine"}\') or - for stdin',
    "  --id <scheduleId>       the schedule's id (default <pipeline>-<8 hex digits>)",
    '',
    'Policy and state:',
    '  --overlap <policy>      when a run is still going at the next time (default skip):',
    OVERLAP_HELP,
    '  --catchup-window <d>    how late a time missed during an outage may still run (10s to 365d)',
    '  --pause-on-failure      pause the schedule when one of its runs fails',
    '  --paused                create it paused;  --note <text>  why (shown in the Temporal UI)',
    "  --json                  print the API's answer as JSON",
    '',
    'Durations are a whole number and a unit: s, m, h or d. Exit codes: 0 created, 2 bad input (the',
    "server's message names the failing fields), 3 cannot reach the stack.",
  ].join('\n'),
  options: {
    cron: { type: 'string' },
    every: { type: 'string' },
    timezone: { type: 'string' },
    jitter: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    spec: { type: 'string' },
    input: { type: 'string' },
    id: { type: 'string' },
    overlap: { type: 'string' },
    'catchup-window': { type: 'string' },
    'pause-on-failure': { type: 'boolean' },
    paused: { type: 'boolean' },
    note: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: ['pipeline'],
  async run(ctx, { values, positionals }) {
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const json = (name: string, example: string) => {
      const value = text(name);
      return value === undefined
        ? undefined
        : readInput(value, ctx.cwd, ctx.readStdin, NAME, { name: `--${name}`, example });
    };
    const spec = await json('spec', `'{"cron": ["0 3 * * *"]}'`);
    const fromFlags = ['cron', 'every', 'timezone', 'jitter', 'start', 'end'].filter(
      (name) => text(name) !== undefined,
    );
    if (spec !== undefined && fromFlags.length > 0)
      throw new UsageError(`--spec holds the whole spec: leave out --${fromFlags.join(', --')}, or --spec`, NAME);
    if (spec === undefined && text('cron') === undefined && text('every') === undefined)
      throw new UsageError('say when: --cron "0 3 * * *", --every 1h, or --spec \'{"cron": [...]}\'', NAME);
    const input = await json('input', `'{"dataset": "wine"}'`);
    const policy = {
      ...(text('overlap') ? { overlap: text('overlap') as OverlapPolicy } : {}),
      ...(text('catchup-window') ? { catchupWindow: text('catchup-window') } : {}),
      ...(values['pause-on-failure'] === true ? { pauseOnFailure: true } : {}),
    };
    const request: ScheduleRequest = {
      pipeline: positionals[0]!,
      spec: (spec as ScheduleRequest['spec'] | undefined) ?? specFromFlags(text),
      ...(input !== undefined ? { input } : {}),
      ...(text('id') ? { scheduleId: text('id') } : {}),
      ...(Object.keys(policy).length ? { policy } : {}),
      ...(values.paused === true ? { paused: true } : {}),
      ...(text('note') !== undefined ? { note: text('note') } : {}),
    };
    const created = await createSchedule(ctx.api, request);
    if (values.json === true) {
      ctx.out(JSON.stringify(created, null, 2));
      return EXIT.ok;
    }
    ctx.out(created.scheduleId);
    ctx.err(
      [
        `${created.paused ? 'created paused' : 'created'}: schedule ${created.scheduleId} of ${created.pipeline}`,
        `see it      baton schedules show ${created.scheduleId}`,
        ...linkLines(created.links),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

/** `--cron "a; b" --every "1h, 1d/3h" --timezone ...` as the API's spec; the server checks each part. */
function specFromFlags(text: (name: string) => string | undefined): ScheduleRequest['spec'] {
  const list = (value: string | undefined, separator: string) =>
    (value ?? '')
      .split(separator)
      .map((part) => part.trim())
      .filter(Boolean);
  const cron = list(text('cron'), ';');
  const intervals = list(text('every'), ',').map((part) => {
    const [every, offset] = part.split('/').map((piece) => piece.trim());
    return { every: every!, ...(offset ? { offset } : {}) };
  });
  return {
    ...(cron.length ? { cron } : {}),
    ...(intervals.length ? { intervals } : {}),
    ...(text('timezone') ? { timezone: text('timezone') } : {}),
    ...(text('jitter') ? { jitter: text('jitter') } : {}),
    ...(text('start') ? { startAt: text('start') } : {}),
    ...(text('end') ? { endAt: text('end') } : {}),
  };
}
