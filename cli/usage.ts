/** The help texts: `baton --help` and `baton <command> --help`. */
import { DEFAULT_GATEWAY } from './args.ts';
import type { Command } from './context.ts';

const COMMON = [
  'Options of every command:',
  `  --gateway <url>   the Baton gateway (default: $BATON_GATEWAY_URL, else ${DEFAULT_GATEWAY})`,
  "  -h, --help        help; baton <command> --help for a command's",
];

/** `baton --help`. */
export function mainUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.synopsis.length));
  const long = width > 70;
  return [
    'baton: start and inspect Baton pipeline runs, put pipelines on schedules, decide promotion approvals, manage',
    'registered models and get predictions, through the gateway (the trigger API and the predict function);',
    'scaffold steps and pipelines in a Baton checkout (baton new)',
    '',
    'Usage:',
    ...commands.flatMap((command) =>
      long
        ? [`  ${command.synopsis}`, `      ${command.summary}`]
        : [`  ${command.synopsis.padEnd(width)}  ${command.summary}`],
    ),
    '',
    ...COMMON,
    '',
    'Exit codes: 0 ok, 1 the run failed (or was cancelled, terminated, timed out), 2 usage or bad input,',
    '3 cannot reach the stack.',
    '',
    'Examples:',
    '  baton pipelines',
    '  baton run train-classifier --input \'{"dataset": "wine"}\' --wait',
    '  baton runs list --where "BatonPipeline = \'train-classifier\' AND BatonAccuracy > 0.9"',
    '  baton runs compare <runA> <runB>',
    '  baton schedules create train-classifier --cron "0 3 * * *" --timezone Europe/Paris --input \'{"dataset": "wine"}\'',
    '  baton runs approve <runId> --by alice --reason "checked the report"',
    '  baton models wine-forest',
    '  baton models promote wine-forest <version> --reason "best accuracy"',
    "  baton predict iris --rows '[[5.1, 3.5, 1.4, 0.2]]'",
    '  baton new pipeline score-daily && baton new step score --lang python --pipeline score-daily   # in the checkout',
  ].join('\n');
}

/** Groups' help (`baton runs --help`): the commands of the group. */
export function groupUsage(group: string, commands: readonly Command[]): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  return [
    'Usage:',
    ...members.flatMap((command) => [`  ${command.synopsis}`, `      ${command.summary}`]),
    '',
    ...COMMON,
  ].join('\n');
}

/** `baton <command> --help`. */
export function commandUsage(command: Command): string {
  return [
    `Usage: ${command.synopsis}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    command.details,
    '',
    ...COMMON,
  ].join('\n');
}

/** After a usage error: the synopsis and where the details are. */
export function shortUsage(command: Command): string {
  return `usage: ${command.synopsis}\n(see baton ${command.name} --help)`;
}
