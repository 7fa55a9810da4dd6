import { ApiError, listRuns } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { integerOption } from '../args.ts';
import { EXIT } from '../errors.ts';
import { runsTable } from '../format.ts';

/** Baton's search attributes, as `--where` can use them (a unit test keeps this in step with workflows/search-attributes.ts). */
export const SEARCH_ATTRIBUTES_HELP = [
  "                     Baton's search attributes: BatonPipeline, BatonStep, BatonDatasetVersion,",
  '                     BatonModelVersion, BatonStage, BatonTrigger (Keyword), BatonAccuracy and BatonDrift (Double);',
  "                     Temporal's own: ExecutionStatus, StartTime, CloseTime, WorkflowType...",
].join('\n');

export const runsListCommand: Command = {
  name: 'runs list',
  synopsis: 'baton runs list [--where <query>] [--pipeline <name>] [--limit <n>] [--json]',
  summary: 'list runs, newest first, filtered by a Temporal visibility query',
  details: [
    'Lists runs through GET /runs: run id, pipeline, status, start time, accuracy and model version.',
    '',
    'Options:',
    '  --where <query>    a Temporal visibility query, e.g. "BatonPipeline = \'train-classifier\' AND BatonAccuracy > 0.9"',
    SEARCH_ATTRIBUTES_HELP,
    '  --pipeline <name>  only runs of this pipeline (combined with --where by AND)',
    '  --limit <n>        at most n runs, 1 to 1000 (default 50)',
    '  --json             print the runs as JSON',
  ].join('\n'),
  options: {
    where: { type: 'string' },
    pipeline: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [],
  async run(ctx, { values }) {
    const limit = integerOption(values.limit, 'limit', 1, 1000, 'runs list');
    const query = typeof values.where === 'string' ? values.where : undefined;
    const pipeline = typeof values.pipeline === 'string' ? values.pipeline : undefined;
    let runs;
    try {
      runs = await listRuns(ctx.api, { query, pipeline, limit });
    } catch (error) {
      if (
        error instanceof ApiError &&
        error.fromApi &&
        error.status === 400 &&
        query &&
        typeof error.body.query === 'string'
      ) {
        // The server refused the query: its message, then what can be queried.
        ctx.err(`baton: ${error.apiMessage}\n  in: ${query}\n${SEARCH_ATTRIBUTES_HELP.replace(/^ +/gm, '  ')}`);
        return EXIT.usage;
      }
      throw error;
    }
    if (values.json === true) {
      ctx.out(JSON.stringify(runs, null, 2));
    } else if (runs.length === 0) {
      ctx.err(
        `no runs${query || pipeline ? ' match' : ' yet'}${query ? ` ${query}` : ''}${pipeline ? `${query ? ' and' : ''} pipeline ${pipeline}` : ''}`,
      );
    } else {
      ctx.out(runsTable(runs, ctx.timeZone).join('\n'));
    }
    return EXIT.ok;
  },
};
