/** `--input` (and other JSON options, e.g. `models policy --set`): a JSON file, inline JSON, or `-` for stdin. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

const EXAMPLE = `'{"dataset": "wine"}'`;

/** Which option a JSON value came from, and an example of it, for the errors. */
export interface JsonOption {
  name: string;
  example: string;
}

/** Inline when it looks like JSON (starts with `{`, `[` or `"`), stdin for `-`, else a file path. */
export async function readInput(
  value: string,
  cwd: string,
  readStdin: () => Promise<string>,
  command = 'run',
  option: JsonOption = { name: '--input', example: EXAMPLE },
): Promise<unknown> {
  const trimmed = value.trim();
  const { name, example } = option;
  if (/^[{["]/.test(trimmed)) return parseJson(trimmed, name, command, example);
  if (trimmed === '-') return parseJson(await readStdin(), `${name} - (stdin)`, command, example);
  let text: string;
  try {
    text = await readFile(resolve(cwd, value), 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
    throw new UsageError(
      `${name} "${value}": ${why}; give a JSON file, inline JSON such as ${example}, or - for stdin`,
      command,
    );
  }
  return parseJson(text, `${name} file "${value}"`, command, example);
}

function parseJson(text: string, what: string, command: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message}); for example ${example}`, command);
  }
}
