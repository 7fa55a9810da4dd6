import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// /dev/full answers every write with ENOSPC: `npm start > file` on a full disk, without root or a mount.
const skip = existsSync('/dev/full') ? undefined : 'no /dev/full on this system';

test('the supervisor outlives a stdout on a full disk (its own lines and any console.log)', { skip }, async () => {
  const script = `
    import { createSay, keepStdioErrorsHarmless } from './deploy/local/stack-output.ts';
    keepStdioErrorsHarmless();
    const say = createSay();
    for (let i = 0; i < 20; i++) { say('line ' + i); console.log('console ' + i); await new Promise((r) => setTimeout(r, 5)); }
    process.stderr.write('still running\\n');
  `;
  const full = openSync('/dev/full', 'w');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      stdio: ['ignore', full, 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /still running/);
  } finally {
    closeSync(full);
  }
});
