import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Comments and docs send readers to docs/*.md by name: every such reference must name a file that exists.
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

test('every docs/*.md the code and the docs refer to exists', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((file) => /\.(ts|py|md|ya?ml|go|sh)$/.test(file));
  const missing: string[] = [];
  for (const file of tracked) {
    if (!existsSync(join(repoRoot, file))) continue;
    for (const [reference] of readFileSync(join(repoRoot, file), 'utf8').matchAll(/\bdocs\/[\w.-]+\.md\b/g)) {
      if (!existsSync(join(repoRoot, reference))) missing.push(`${file}: ${reference}`);
    }
  }
  assert.deepEqual(missing, []);
});
