import { listPipelines } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { pipelineLines } from '../format.ts';

export const pipelinesCommand: Command = {
  name: 'pipelines',
  synopsis: 'baton pipelines [--json]',
  summary: 'the pipelines you can run, their steps and example inputs',
  details: [
    'Lists the pipelines through GET /pipelines, each with its steps and its named examples as ready-to-run',
    'commands.',
    '',
    'Options:',
    "  --json   print the API's answer, input JSON Schemas included",
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const pipelines = await listPipelines(ctx.api);
    ctx.out(values.json === true ? JSON.stringify(pipelines, null, 2) : pipelines.flatMap(pipelineLines).join('\n'));
    return EXIT.ok;
  },
};
