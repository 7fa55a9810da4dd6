/** The rows `baton predict` scores: `--rows`, `--instances` or `--input-file` (a JSON file, or - for stdin). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** Rows in the model's feature order, or objects by feature name: what the `predict` function takes. */
export type PredictRows = { rows: number[][] } | { instances: Record<string, number>[] };

const ROWS_EXAMPLE = `'[[5.1, 3.5, 1.4, 0.2]]'`;
const INSTANCES_EXAMPLE = `'[{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]'`;
const FILE_EXAMPLE =
  'an array of rows ([[5.1, 3.5, 1.4, 0.2], ...]) or of objects by feature name, or {"rows": [...]} or {"instances": [...]}';
const COMMAND = 'predict';

/** Exactly one of the three options, parsed and checked for shape (the function checks the values, by path). */
export async function readPredictRows(
  values: { rows?: unknown; instances?: unknown; 'input-file'?: unknown },
  cwd: string,
  readStdin: () => Promise<string>,
): Promise<PredictRows> {
  const given = (['rows', 'instances', 'input-file'] as const).filter((name) => typeof values[name] === 'string');
  if (given.length === 0) {
    throw new UsageError(
      `give the rows to score: --rows ${ROWS_EXAMPLE} (in the model's feature order), --instances ${INSTANCES_EXAMPLE} (by feature name) or --input-file <file.json | ->`,
      COMMAND,
    );
  }
  if (given.length > 1)
    throw new UsageError(
      `give only one of --rows, --instances and --input-file, not ${given.map((name) => `--${name}`).join(' and ')}`,
      COMMAND,
    );
  if (typeof values.rows === 'string')
    return { rows: checkRows(parseJson(values.rows, '--rows', ROWS_EXAMPLE), '--rows') };
  if (typeof values.instances === 'string')
    return { instances: checkInstances(parseJson(values.instances, '--instances', INSTANCES_EXAMPLE), '--instances') };
  return readInputFile(String(values['input-file']), cwd, readStdin);
}

async function readInputFile(path: string, cwd: string, readStdin: () => Promise<string>): Promise<PredictRows> {
  const what = path === '-' ? '--input-file - (stdin)' : `--input-file "${path}"`;
  let text: string;
  if (path === '-') {
    text = await readStdin();
  } else {
    try {
      text = await readFile(resolve(cwd, path), 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
      throw new UsageError(`${what}: ${why}; give a JSON file (or - for stdin) holding ${FILE_EXAMPLE}`, COMMAND);
    }
  }
  const content = parseJson(text, what, FILE_EXAMPLE);
  if (Array.isArray(content)) {
    if (content.length > 0 && content.every(isPlainObject)) return { instances: checkInstances(content, what) };
    return { rows: checkRows(content, what) };
  }
  if (isPlainObject(content)) {
    const keys = Object.keys(content);
    if (keys.length === 1 && keys[0] === 'rows') return { rows: checkRows(content.rows, `${what} (rows)`) };
    if (keys.length === 1 && keys[0] === 'instances')
      return { instances: checkInstances(content.instances, `${what} (instances)`) };
  }
  throw new UsageError(`${what} must hold ${FILE_EXAMPLE}`, COMMAND);
}

function parseJson(text: string, what: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message}); for example ${example}`, COMMAND);
  }
}

function checkRows(value: unknown, what: string): number[][] {
  const bad = !Array.isArray(value)
    ? 'is not a JSON array'
    : value.length === 0
      ? 'is empty'
      : badIndex(value, Array.isArray, 'is not an array of numbers');
  if (bad)
    throw new UsageError(
      `${what} ${bad}: give an array of rows, each an array of numbers in the model's feature order, e.g. ${ROWS_EXAMPLE}`,
      COMMAND,
    );
  return value as number[][];
}

function checkInstances(value: unknown, what: string): Record<string, number>[] {
  const bad = !Array.isArray(value)
    ? 'is not a JSON array'
    : value.length === 0
      ? 'is empty'
      : badIndex(value, isPlainObject, 'is not an object of numbers by feature name');
  if (bad)
    throw new UsageError(
      `${what} ${bad}: give an array of objects, each mapping feature name to number, e.g. ${INSTANCES_EXAMPLE}`,
      COMMAND,
    );
  return value as Record<string, number>[];
}

/** `item 3 is not ...` for the first item failing `ok`; undefined when all pass. */
function badIndex(items: unknown[], ok: (item: unknown) => boolean, problem: string): string | undefined {
  const index = items.findIndex((item) => !ok(item));
  return index < 0 ? undefined : `item ${index} ${problem}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
