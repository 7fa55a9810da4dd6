/** Temporary folders for a test file, removed once its tests have ended, passed or failed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * Answers a maker of new empty folders `<prefix>XXXXXX` in the system's temporary folder. Every folder it made is
 * removed after the file's last test, so call it once, at the top level of a test file (it registers an `after`).
 */
export function tempFolders(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
