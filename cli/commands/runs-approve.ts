import { ApiError, decideApproval } from '../api/run-client.ts';
import type { ApprovalAnswer } from '../approval-format.ts';
import { decisionLine } from '../approval-format.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { shellQuote } from '../format.ts';

/** `runs approve` and `runs reject`: the same call, with `approved` true or false. */
function decisionCommand(verb: 'approve' | 'reject'): Command {
  const approved = verb === 'approve';
  const name = `runs ${verb}`;
  return {
    name,
    synopsis: `baton runs ${verb} <runId> [--reason <text>] [--json]`,
    summary: approved
      ? 'approve promoting the model version a run is waiting on (the run promotes it)'
      : 'reject promoting the model version a run is waiting on (it stays in staging)',
    details: [
      `POST /runs/{runId}/approval with {"approved": ${approved}, "reason"}: the decision goes to the run as a Temporal`,
      'update, so the answer says whether the run took it. A run that is not waiting for an approval (not there yet,',
      'already decided, deadline passed) refuses it with its reason (exit code 2); see where a run stands with',
      '`baton runs approval <runId>`. Who decides is the name of your credential (BATON_TOKEN): it needs the',
      'approver or admin role.',
      '',
      'Options:',
      '  --reason <text>   why',
      '  --json            print the answer as the API gives it',
    ].join('\n'),
    options: { reason: { type: 'string' }, json: { type: 'boolean' } },
    positionals: ['runId'],
    async run(ctx, { values, positionals }) {
      const runId = positionals[0]!;
      const reason = typeof values.reason === 'string' ? values.reason : undefined;
      let answer: ApprovalAnswer;
      try {
        answer = await decideApproval(ctx.api, runId, { approved, ...(reason !== undefined ? { reason } : {}) });
      } catch (error) {
        if (error instanceof ApiError && error.fromApi && error.status === 409) {
          // The run refused the decision: its own words, then where to see its state.
          ctx.err(
            `baton: ${error.apiMessage}\n  see where its approval stands: baton runs approval ${shellQuote(runId)}`,
          );
          return EXIT.usage;
        }
        throw error;
      }
      ctx.out(values.json === true ? JSON.stringify(answer, null, 2) : decisionLine(answer));
      return EXIT.ok;
    },
  };
}

export const runsApproveCommand = decisionCommand('approve');
export const runsRejectCommand = decisionCommand('reject');
