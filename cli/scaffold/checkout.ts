/** Where `baton new` writes: the Baton checkout holding the current folder. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** What makes a folder a Baton checkout (the files the scaffolds edit or copy from). */
const MARKERS = [
  'stack.yml',
  'workflows/steps/index.ts',
  'workflows/catalog.ts',
  'workflows/index.ts',
  'template/baton-python/template.yml',
  'template/baton-node/template.yml',
];

/** The nearest folder from `cwd` up that is a Baton checkout; a UsageError when there is none. */
export function findCheckout(cwd: string, command: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (MARKERS.every((marker) => existsSync(join(dir, marker)))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(
    `${resolve(cwd)} is not in a Baton checkout (no folder from here up holds ${MARKERS.join(', ')}): run \`baton ${command}\` inside your Baton checkout`,
    command,
  );
}
