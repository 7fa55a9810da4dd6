import { getRun } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { runDetails } from '../format.ts';

export const runsShowCommand: Command = {
  name: 'runs show',
  synopsis: 'baton runs show <runId> [--json]',
  summary: "a run's step timeline, result or error, and its Temporal UI link",
  details: [
    'Shows a run through GET /runs/{runId}: every step with its duration, attempt, error and, for a long step,',
    'its progress (epoch, fraction, metrics); then the result or the error and the Temporal UI link.',
    '',
    'Options:',
    '  --json   print the run as the API answers it',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: ['runId'],
  async run(ctx, { values, positionals }) {
    const run = await getRun(ctx.api, positionals[0]!);
    ctx.out(values.json === true ? JSON.stringify(run, null, 2) : runDetails(run, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};
