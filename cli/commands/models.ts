import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { getModel, listModels } from '../api/models-client.ts';
import { modelDetails, modelsTable } from '../models-format.ts';

export const modelsCommand: Command = {
  name: 'models',
  synopsis: 'baton models [<name>] [--json]',
  summary: "the model registry: every model, or one model's versions, stages, metrics and lineage",
  details: [
    'Without <name>: every registered model through GET /models, with its production and latest version.',
    'With <name>: GET /models/{name}: the production version, then each version with its stage, metrics,',
    'parameters and lineage (dataset version, run, code version) and its stage history.',
    'Promote or demote a version with `baton models promote <name> <version>`; see or set the promotion rules',
    'with `baton models policy <name>`.',
    '',
    'Options:',
    '  --json   print the answer as the API gives it',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: [],
  optionalPositionals: ['name'],
  async run(ctx, { values, positionals }) {
    const name = positionals[0];
    if (name !== undefined) {
      const model = await getModel(ctx.api, name);
      ctx.out(values.json === true ? JSON.stringify(model, null, 2) : modelDetails(model, ctx.timeZone).join('\n'));
      return EXIT.ok;
    }
    const models = await listModels(ctx.api);
    if (values.json === true) ctx.out(JSON.stringify(models, null, 2));
    else if (models.length === 0)
      ctx.err('no models registered yet: a training pipeline registers one (baton run train-classifier)');
    else ctx.out(modelsTable(models, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};
