import { approvalStatus } from '../api/run-client.ts';
import { approvalDetails } from '../approval-format.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';

export const runsApprovalCommand: Command = {
  name: 'runs approval',
  synopsis: 'baton runs approval <runId> [--json]',
  summary: "where a run's promotion approval stands: waiting (until when), approved, rejected or expired",
  details: [
    'GET /runs/{runId}/approval: the state (not-needed-yet, awaiting-approval, approved, rejected, expired), the',
    'model version waiting for promotion, the deadline and the decision. Decide with `baton runs approve <runId>`',
    'or `baton runs reject <runId>`.',
    '',
    'Options:',
    '  --json   print the answer as the API gives it',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: ['runId'],
  async run(ctx, { values, positionals }) {
    const view = await approvalStatus(ctx.api, positionals[0]!);
    ctx.out(values.json === true ? JSON.stringify(view, null, 2) : approvalDetails(view, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};
