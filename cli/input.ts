/** `--input`: a JSON file, inline JSON, or `-` for stdin. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

const EXAMPLE = `'{"dataset": "wine"}'`;

/** Inline when it looks like JSON (starts with `{`, `[` or `"`), stdin for `-`, else a file path. */
export async function readInput(value: string, cwd: string, readStdin: () => Promise<string>, command = 'run'): Promise<unknown> {
  const trimmed = value.trim();
  if (/^[{["]/.test(trimmed)) return parseJson(trimmed, '--input', command);
  if (trimmed === '-') return parseJson(await readStdin(), '--input - (stdin)', command);
  let text: string;
  try {
    text = await readFile(resolve(cwd, value), 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
    throw new UsageError(`--input "${value}": ${why}; give a JSON file, inline JSON such as ${EXAMPLE}, or - for stdin`, command);
  }
  return parseJson(text, `--input file "${value}"`, command);
}

function parseJson(text: string, what: string, command: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message}); for example ${EXAMPLE}`, command);
  }
}
