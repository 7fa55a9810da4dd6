/**
 * A scaffold's changes, decided in full before any is written: a refusal (a name taken, a file not as expected)
 * leaves the checkout untouched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One file to write: a new one, or an existing one's new text. */
export interface FileChange {
  path: string;
  text: string;
  action: 'create' | 'update';
}

/** What a scaffold will do, and what it could not do itself (printed for the user to add). */
export interface Plan {
  changes: FileChange[];
  byHand: string[];
}

/** Reads a file of the checkout (relative path). */
export function readText(root: string, path: string): Promise<string> {
  return readFile(join(root, path), 'utf8');
}

/** Writes every change; creates folders as needed. Refuses to overwrite a file a `create` change names. */
export async function applyPlan(root: string, plan: Plan): Promise<void> {
  for (const change of plan.changes) {
    if (change.action === 'create' && existsSync(join(root, change.path)))
      throw new Error(`${change.path} appeared while scaffolding: nothing overwritten`);
  }
  for (const change of plan.changes) {
    await mkdir(dirname(join(root, change.path)), { recursive: true });
    await writeFile(join(root, change.path), change.text, change.action === 'create' ? { flag: 'wx' } : {});
  }
}

/** `text` with `line` added after its last `import` statement (the whole statement, if it spans lines). */
export function addImport(text: string, line: string): string {
  const lines = text.split('\n');
  let last = -1;
  for (let i = 0; i < lines.length; i++) {
    if (!/^import /.test(lines[i]!)) continue;
    let end = i;
    while (!/;\s*$/.test(lines[end]!) && end < lines.length - 1) end++;
    last = end;
  }
  lines.splice(last + 1, 0, line);
  return lines.join('\n');
}

/** `text` with `line` inserted above the line holding `marker` (at its indentation); undefined without the marker. */
export function insertAboveMarker(text: string, marker: string, line: string): string | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((candidate) => candidate.trimStart().startsWith(marker));
  if (at < 0) return undefined;
  const indent = /^\s*/.exec(lines[at]!)![0];
  lines.splice(at, 0, `${indent}${line}`);
  return lines.join('\n');
}

/**
 * `text` with `item` appended to the array literal that follows `opening` (e.g. `steps: [`, on one line or
 * several); undefined when no such literal is found.
 */
export function appendToList(text: string, opening: RegExp, item: string): string | undefined {
  const match = opening.exec(text);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  const close = text.indexOf(']', start);
  if (close < 0) return undefined;
  const body = text.slice(start, close);
  if (body.includes('[')) return undefined; // nested literals: not a plain list of names
  const trimmed = body.trimEnd();
  let next: string;
  if (trimmed.trim() === '') next = body.includes('\n') ? `\n  ${item},\n` : item;
  else if (body.includes('\n')) {
    // One item per line (as the formatter writes a list too long for one): a line of its own, indented alike.
    const indent = /\n([ \t]*)\S[^\n]*$/.exec(trimmed)?.[1] ?? '  ';
    next = `${trimmed.replace(/,?$/, ',')}\n${indent}${item},\n`;
  } else next = `${trimmed.replace(/,\s*$/, '')}, ${item}`;
  return text.slice(0, start) + next + text.slice(close);
}
