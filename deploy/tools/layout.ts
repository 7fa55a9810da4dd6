/**
 * Where tools live in the cache, and the small files that say a tool there is complete.
 * Layout: `<toolsDir>/<tool>/<version>/<binary>` plus `.baton-complete.json` beside the binary.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The tools cache root: env `BATON_TOOLS_DIR`, default `~/.cache/baton/tools` (outside the checkout). */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.BATON_TOOLS_DIR?.trim();
  return configured ? resolve(configured) : join(homedir(), '.cache', 'baton', 'tools');
}

/** Path of a cached binary: `<dir>/<tool>/<version>/<binary>`. */
export function cachedBinary(dir: string, tool: string, version: string, binary: string): string {
  return join(dir, tool, version, binary);
}

/** First 12 hex digits of the sha256 of some content: the key of content-addressed cache folders. */
export function sha12(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

/** What we record once a tool is fully installed; `size` catches a binary replaced behind our back. */
export interface CompleteMarker {
  tool: string;
  version: string;
  source: string;
  size: number;
  at: string;
}

const MARKER = '.baton-complete.json';

export function markerPath(binaryOrDir: string, isDir = false): string {
  return join(isDir ? binaryOrDir : dirname(binaryOrDir), MARKER);
}

/** True when the binary exists and its marker says it was completed with this very file. */
export function isComplete(binary: string): boolean {
  const marker = readJson<CompleteMarker>(markerPath(binary));
  if (!marker || !existsSync(binary)) return false;
  return statSync(binary).size === marker.size;
}

/** Records a binary as complete; written last, so a reader never trusts a half-installed tool. */
export function markComplete(binary: string, tool: string, version: string, source: string): void {
  const marker: CompleteMarker = { tool, version, source, size: statSync(binary).size, at: new Date().toISOString() };
  writeFileAtomic(markerPath(binary), JSON.stringify(marker, null, 2) + '\n');
}

/** Writes through a temporary file and a rename, so readers see the old content or the new, never half. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Reads a JSON file, or undefined when it is missing or unreadable (a cache must never crash setup). */
export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
