import { MODEL_STAGES, type ModelStage } from '../../registry/layout.ts';
import type { Command } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { promoteModelVersion } from '../api/models-client.ts';
import { promotionLine } from '../models-format.ts';

export const modelsPromoteCommand: Command = {
  name: 'models promote',
  synopsis:
    'baton models promote <name> <version> [--stage production] [--reason <text>] [--allow-breaking-signature] [--json]',
  summary: 'move a model version to production (archiving the one there), staging or archived',
  details: [
    'POST /models/{name}/versions/{version}/promote. Promoting to production archives the version that was in',
    'production; moving the production version to staging or archived leaves no version in production. The',
    "same stage again changes nothing. Needs the admin role; the stage history records your credential's name.",
    "A version whose signature breaks production's (other features, order, types or classes) is refused (exit 2)",
    "unless --allow-breaking-signature or the model's policy allows it: predict's callers would fail.",
    '',
    'Options:',
    `  --stage <stage>   ${MODEL_STAGES.join(', ')} (default production)`,
    "  --reason <text>   why, kept in the version's stage history",
    '  --allow-breaking-signature',
    '                    promote to production even so (the change joins the recorded reason)',
    '  --json            print the answer as the API gives it',
  ].join('\n'),
  options: {
    stage: { type: 'string' },
    reason: { type: 'string' },
    'allow-breaking-signature': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: ['name', 'version'],
  async run(ctx, { values, positionals }) {
    const stage = values.stage === undefined ? 'production' : String(values.stage);
    if (!(MODEL_STAGES as readonly string[]).includes(stage))
      throw new UsageError(`--stage must be one of ${MODEL_STAGES.join(', ')}, not "${stage}"`, 'models promote');
    const reason = typeof values.reason === 'string' ? values.reason : undefined;
    const answer = await promoteModelVersion(ctx.api, positionals[0]!, positionals[1]!, {
      stage: stage as ModelStage,
      ...(reason !== undefined ? { reason } : {}),
      ...(values['allow-breaking-signature'] === true ? { allowBreakingSignature: true } : {}),
    });
    ctx.out(values.json === true ? JSON.stringify(answer, null, 2) : promotionLine(answer));
    return EXIT.ok;
  },
};
