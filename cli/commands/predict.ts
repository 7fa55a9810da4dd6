import { predict } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { predictionLines } from '../predict-format.ts';
import { readPredictRows } from '../predict-input.ts';

export const predictCommand: Command = {
  name: 'predict',
  synopsis: 'baton predict <model> (--rows <json> | --instances <json> | --input-file <file>) [--version <v>] [--json]',
  summary: 'score rows with a registered model: its production version, or a pinned one',
  details: [
    'Calls the predict function (POST /function/predict with {"input": {model, rows | instances, version?}}), which',
    "serves the model's production version (promote one with `baton models promote`). Prints the version that",
    "served, then each row's prediction and, when the model gives probabilities, the highest one.",
    '',
    'Credential: predict takes an API key with role viewer (or better) that an admin issued, as BATON_TOKEN:',
    '`KEY=$(baton keys create --name <you> --roles viewer)`, then `BATON_TOKEN=$KEY baton predict ...`. The bootstrap',
    "admin key (the local stack's .baton/secrets/baton-admin-key) is for the trigger API only: predict answers 401.",
    '',
    'Options (give one of --rows, --instances, --input-file):',
    "  --rows <json>        rows in the model's feature order: '[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]'",
    '  --instances <json>   rows by feature name: \'[{"sepal_length": 5.1, "sepal_width": 3.5, ...}]\'',
    '  --input-file <file>  a JSON file (or - for stdin) with an array of rows or of instances, or',
    '                       {"rows": [...]} or {"instances": [...]}',
    '  --version <v>        a registered version instead of the production one',
    "  --json               print the function's answer (predictions, probabilities, classes) as JSON",
    '',
    'Values the model cannot take are refused with their paths (input.rows.0.2: must be a finite number), exit code 2.',
  ].join('\n'),
  options: {
    rows: { type: 'string' },
    instances: { type: 'string' },
    'input-file': { type: 'string' },
    version: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: ['model'],
  async run(ctx, { values, positionals }) {
    const data = await readPredictRows(values, ctx.cwd, ctx.readStdin);
    const version = typeof values.version === 'string' ? values.version : undefined;
    const answer = await predict(ctx.api, {
      model: positionals[0]!,
      ...data,
      ...(version !== undefined ? { version } : {}),
    });
    ctx.out(
      values.json === true
        ? JSON.stringify(answer, null, 2)
        : predictionLines(answer, version !== undefined).join('\n'),
    );
    return EXIT.ok;
  },
};
