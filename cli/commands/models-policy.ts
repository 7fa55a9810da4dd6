import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { readInput } from '../input.ts';
import { getModelPolicy, setModelPolicy } from '../api/models-client.ts';
import { policyDetails } from '../models-format.ts';

export const modelsPolicyCommand: Command = {
  name: 'models policy',
  synopsis: 'baton models policy <name> [--set <json|file|->] [--reason <text>] [--json]',
  summary: "show or set a model's promotion policy: the rules every run of the model is held to",
  details: [
    'Without --set: GET /models/{name}/policy, the rules in force (version 0: the default policy, none stored).',
    'With --set: PUT /models/{name}/policy (admin) makes the given rules the next version; rules left out get their',
    "default, the same rules again change nothing. A run's `promotion` input may only make the rules stricter.",
    '',
    'Rules: {"enabled": true, "metric": "accuracy"|"f1", "minimum": 0.8, "mustBeatProduction": true,',
    '        "approval": {"required": false, "timeout": "1h", "approverMustNotBeStarter": false}}',
    '',
    'Options:',
    '  --set <rules>     inline JSON, a JSON file, or - for stdin',
    '  --reason <text>   why, kept with the version',
    '  --json            print the answer as the API gives it',
  ].join('\n'),
  options: { set: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  positionals: ['name'],
  async run(ctx, { values, positionals }) {
    const name = positionals[0]!;
    if (typeof values.set !== 'string') {
      const policy = await getModelPolicy(ctx.api, name);
      ctx.out(values.json === true ? JSON.stringify(policy, null, 2) : policyDetails(policy, ctx.timeZone).join('\n'));
      return EXIT.ok;
    }
    const rules = await readInput(values.set, ctx.cwd, ctx.readStdin, 'models policy', {
      name: '--set',
      example: `'{"minimum": 0.9}'`,
    });
    const reason = typeof values.reason === 'string' ? values.reason : undefined;
    const answer = await setModelPolicy(ctx.api, name, { rules, ...(reason !== undefined ? { reason } : {}) });
    if (values.json === true) ctx.out(JSON.stringify(answer, null, 2));
    else {
      ctx.out(policyDetails(answer, ctx.timeZone).join('\n'));
      if (!answer.changed) ctx.err(`the rules are those of version ${answer.version} already; nothing changed`);
    }
    return EXIT.ok;
  },
};
