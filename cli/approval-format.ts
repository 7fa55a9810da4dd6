/** Output of the approval commands (`runs approve`, `runs reject`, `runs approval`): pure functions to lines. */
import type { ApprovalStatus } from './api/run-client.ts';
import { formatDuration, formatTime, shellQuote } from './format.ts';

/** The answer to `POST /runs/{id}/approval`. */
export interface ApprovalAnswer {
  runId: string;
  version: string;
  approved: boolean;
  by: string;
}

/** What a decision did, in one line. */
export function decisionLine(answer: ApprovalAnswer): string {
  const what = answer.version ? `version ${answer.version}` : 'the model version';
  return answer.approved
    ? `${answer.runId}: ${what} approved by ${answer.by}; the run promotes it to production now`
    : `${answer.runId}: ${what} rejected by ${answer.by}; it stays in staging`;
}

/** `baton runs approval <runId>`: the state, the model version, the deadline, the decision or how to make one. */
export function approvalDetails(
  view: { runId: string } & ApprovalStatus,
  timeZone?: string,
  now = Date.now(),
): string[] {
  const lines = [`run       ${view.runId}`, `state     ${view.state}`];
  if (view.modelName !== undefined || view.version !== undefined)
    lines.push(`model     ${[view.modelName, view.version].filter(Boolean).join(' ')}`);
  if (view.deadline !== undefined) {
    const left = Date.parse(view.deadline) - now;
    const when = view.state !== 'awaiting-approval' ? '' : left > 0 ? ` (in ${formatDuration(left)})` : ' (passed)';
    lines.push(`deadline  ${formatTime(view.deadline, timeZone)}${when}`);
  }
  const id = shellQuote(view.runId);
  switch (view.state) {
    case 'not-needed-yet':
      lines.push(
        '',
        'the run is not waiting for an approval: its promotion has not been reached yet, or its pipeline needs none',
      );
      break;
    case 'awaiting-approval':
      if (view.approverMustNotBeStarter === true)
        lines.push('rule      the approver must be someone other than the one who started the run');
      lines.push(
        '',
        'decide with',
        `  baton runs approve ${id} [--reason <text>]`,
        `  baton runs reject ${id} [--reason <text>]`,
      );
      break;
    case 'approved':
    case 'rejected':
      if (view.decision)
        lines.push(
          `decision  ${view.state} by ${view.decision.by}${view.decision.reason ? `: ${view.decision.reason}` : ''}`,
        );
      lines.push(
        '',
        view.state === 'approved' ? 'the run promotes the version to production' : 'the version stays in staging',
      );
      break;
    case 'expired':
      lines.push('', 'no decision came before the deadline: the version stays in staging');
      break;
  }
  return lines;
}
