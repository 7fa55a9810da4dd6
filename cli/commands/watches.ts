/** `baton watches create|list|show|delete`: data-change watches that start a pipeline once per new data version. */
import type { Command } from '../context.ts';
import { integerOption } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import { linkLines } from '../format.ts';
import { readInput } from '../input.ts';
import { createWatch, deleteWatch, getWatch, listWatches, type WatchRequest } from '../api/watches-client.ts';
import { watchDetails, watchesTable } from '../watches-format.ts';

const CREATE = 'watches create';

export const watchesCreateCommand: Command = {
  name: CREATE,
  synopsis:
    'baton watches create <pipeline> (--csv <path-or-url> | --postgres <table> [--high-water-mark <column>] | --prefix <key-prefix>) [--every <interval>] [--input <json>] [options]',
  summary: 'watch a data source and start a pipeline once per new version of its data',
  details: [
    'POST /watches. The watch is a long-running Temporal workflow: at each interval it asks the function that owns',
    'the source for the data version, and starts one run of the pipeline per new version (the first version it sees',
    'is the baseline). The run id is <watch id>-<hash of the version>, so a version never starts two runs; each run',
    "is started by you, with BatonTrigger = 'data-change' (`baton runs list --where \"BatonTrigger = 'data-change'\"`).",
    '',
    'Source (one of):',
    '  --csv <path-or-url>       the CSV behind fetch-csv: a path under its RESOURCE_BASE_URL (data/wine.csv) or a URL',
    '                            on its allowed hosts; version = its ETag, else Last-Modified, else the sha256 of the body',
    '  --postgres <table>        a table behind ingest-postgres (on its PG_ALLOWED_TABLES); --schema <name> (public)',
    '  --high-water-mark <col>   version = the largest value of this column (default: a checksum of the whole table)',
    '  --prefix <key-prefix>     objects under a MinIO prefix of datasets/ or runs/ (datasets/wine/), listed by ingest;',
    '                            version = a sha256 of their sorted keys, ETags and sizes (at most 10,000 objects)',
    '',
    'What and how often:',
    '  --every <interval>        how often to look: 30s, 5m, 1h (default 1m; between 10s and 1d)',
    '  --input <value>           the runs\' input: a JSON file, inline JSON (\'{"dataset": "wine"}\') or - for stdin',
    "  --id <watchId>            the watch's id (default <pipeline>-<8 hex digits>)",
    '  --run-now                 start a run for the version the first look sees too',
    "  --json                    print the API's answer as JSON",
    '',
    "Exit codes: 0 created, 2 bad input (the server's message names the failing fields), 3 cannot reach the stack.",
  ].join('\n'),
  options: {
    csv: { type: 'string' },
    postgres: { type: 'string' },
    prefix: { type: 'string' },
    schema: { type: 'string' },
    'high-water-mark': { type: 'string' },
    every: { type: 'string' },
    input: { type: 'string' },
    id: { type: 'string' },
    'run-now': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: ['pipeline'],
  async run(ctx, { values, positionals }) {
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const csv = text('csv');
    const table = text('postgres');
    const prefix = text('prefix');
    if ([csv, table, prefix].filter((given) => given !== undefined).length !== 1)
      throw new UsageError(
        'say what to watch, one of: --csv data/wine.csv, --postgres <table>, --prefix datasets/wine/',
        CREATE,
      );
    if (table === undefined && (text('schema') || text('high-water-mark')))
      throw new UsageError(
        `--schema and --high-water-mark go with --postgres, not --${csv !== undefined ? 'csv' : 'prefix'}`,
        CREATE,
      );
    const source: WatchRequest['source'] =
      csv !== undefined
        ? { kind: 'csv', ...(/^https?:\/\//.test(csv) ? { url: csv } : { path: csv }) }
        : prefix !== undefined
          ? { kind: 'minio-prefix', prefix }
          : {
              kind: 'postgres',
              table: table!,
              ...(text('schema') ? { schema: text('schema') } : {}),
              ...(text('high-water-mark') ? { highWaterMark: text('high-water-mark') } : {}),
            };
    const inputText = text('input');
    const input =
      inputText === undefined
        ? undefined
        : await readInput(inputText, ctx.cwd, ctx.readStdin, CREATE, {
            name: '--input',
            example: `'{"dataset": "wine"}'`,
          });
    const created = await createWatch(ctx.api, {
      pipeline: positionals[0]!,
      source,
      ...(input !== undefined ? { input } : {}),
      ...(text('every') ? { interval: text('every') } : {}),
      ...(text('id') ? { watchId: text('id') } : {}),
      ...(values['run-now'] === true ? { runOnFirstVersion: true } : {}),
    });
    if (values.json === true) {
      ctx.out(JSON.stringify(created, null, 2));
      return EXIT.ok;
    }
    ctx.out(created.watchId);
    ctx.err(
      [
        `created: watch ${created.watchId} of ${created.pipeline}, every ${created.interval}`,
        `see it      baton watches show ${created.watchId}`,
        ...linkLines(created.links),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

export const watchesListCommand: Command = {
  name: 'watches list',
  synopsis: 'baton watches list [--limit <n>] [--json]',
  summary: 'list the running watches: source, last poll, last version, last run',
  details: [
    'GET /watches. Temporal lists workflows eventually: a watch made a second ago may not show yet.',
    '',
    'Options:',
    '  --limit <n>   at most n watches, 1 to 1000 (default 50)',
    '  --json        print the watches as JSON',
  ].join('\n'),
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const limit = integerOption(values.limit, 'limit', 1, 1000, 'watches list');
    const watches = await listWatches(ctx.api, { limit });
    if (values.json === true) ctx.out(JSON.stringify(watches, null, 2));
    else if (watches.length === 0)
      ctx.err('no watches yet: make one with `baton watches create <pipeline> --csv data/wine.csv`');
    else ctx.out(watchesTable(watches, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};

export const watchesShowCommand: Command = {
  name: 'watches show',
  synopsis: 'baton watches show <watchId> [--json]',
  summary: 'a watch: its source, last poll, last version seen and last run started',
  details: "GET /watches/{watchId}.\n\nOptions:\n  --json   print the API's answer as JSON",
  options: { json: { type: 'boolean' } },
  positionals: ['watchId'],
  async run(ctx, { values, positionals }) {
    const watch = await getWatch(ctx.api, positionals[0]!);
    ctx.out(values.json === true ? JSON.stringify(watch, null, 2) : watchDetails(watch, ctx.timeZone).join('\n'));
    return EXIT.ok;
  },
};

export const watchesDeleteCommand: Command = {
  name: 'watches delete',
  synopsis: 'baton watches delete <watchId>',
  summary: 'delete a watch (the runs it started go on)',
  details:
    'DELETE /watches/{watchId}. A key with role trigger deletes the watches it created; an admin key any watch.\nExit codes: 0 done, 2 refused (unknown watch: 404, not yours: 403), 3 cannot reach the stack.',
  options: {},
  positionals: ['watchId'],
  async run(ctx, { positionals }) {
    const deleted = await deleteWatch(ctx.api, positionals[0]!);
    ctx.out(`deleted watch ${deleted.watchId}`);
    return EXIT.ok;
  },
};
