import { cancelRun } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';

export const runsCancelCommand: Command = {
  name: 'runs cancel',
  synopsis: 'baton runs cancel <runId>',
  summary: 'cancel a running run (its running step is told to stop)',
  details: [
    'Asks Temporal to cancel the run through POST /runs/{runId}/cancel. The run ends "cancelled" once its',
    'running step has stopped; follow it with `baton runs show <runId>`. A run that already ended answers',
    'with its status (exit code 2).',
  ].join('\n'),
  options: {},
  positionals: ['runId'],
  async run(ctx, { positionals }) {
    const answer = await cancelRun(ctx.api, positionals[0]!);
    ctx.out(`cancelling ${answer.runId}; follow it with: baton runs show ${answer.runId}`);
    return EXIT.ok;
  },
};
