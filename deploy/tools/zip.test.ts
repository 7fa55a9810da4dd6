import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractZipMember, zipEntries } from './zip.ts';
import { writeZip } from './zip-testing.ts';

for (const deflate of [true, false]) {
  test(`extractZipMember reads one ${deflate ? 'deflated' : 'stored'} entry; a missing one is an error`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-zip-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const zip = join(dir, 'a.whl');
    const big = Buffer.alloc(200_000, 'abc');
    writeZip(zip, { 'pkg-1.0.dist-info/METADATA': 'Name: pkg\n', 'pkg-1.0.data/scripts/tool': big }, deflate);
    assert.deepEqual(await zipEntries(zip), ['pkg-1.0.dist-info/METADATA', 'pkg-1.0.data/scripts/tool']);
    await extractZipMember(zip, 'pkg-1.0.data/scripts/tool', join(dir, 'tool'));
    assert.ok(readFileSync(join(dir, 'tool')).equals(big));
    await assert.rejects(extractZipMember(zip, 'nope', join(dir, 'x')), /nope is not in the archive/);
  });
}

test('a file that is not a zip is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-zip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'x.whl'), '<html>not a wheel</html>');
  await assert.rejects(zipEntries(join(dir, 'x.whl')), /not a zip archive/);
});
