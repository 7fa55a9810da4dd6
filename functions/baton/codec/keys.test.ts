import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODEC_KEYS_SECRET, loadCodecKeys, parseCodecKeys } from './keys.ts';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

test('the first key encrypts, every key decrypts; comments and blank lines are skipped', () => {
  const keys = parseCodecKeys(`# newest first\n2026-12:${key(2)}\n\n2026-06:${key(1)}\n`);
  assert.equal(keys.current.id, '2026-12');
  assert.deepEqual(keys.current.key, Buffer.alloc(32, 2));
  assert.deepEqual([...keys.byId.keys()], ['2026-12', '2026-06']);
});

test('an empty, short or malformed key secret is refused naming the secret and line, never the key', () => {
  const refused = (text: string, problem: RegExp) =>
    assert.throws(
      () => parseCodecKeys(text),
      (error: Error) =>
        error.message.includes(`secret "${CODEC_KEYS_SECRET}"`) &&
        problem.test(error.message) &&
        !error.message.includes(text.split(':')[1] ?? '\0'),
    );
  refused('', /is empty/);
  refused('# only a comment\n', /is empty/);
  refused(`k1:${Buffer.alloc(16, 1).toString('base64')}`, /line 1: key "k1" must be 32 bytes .* \(it is 16 bytes\)/);
  refused(`k1 ${key(1)}`, /line 1: has no ":"/);
  refused(`k1:not base64!!`, /line 1: key "k1" must be 32 bytes/);
  refused(`bad id:${key(1)}`, /line 1: the key id/);
  refused(`k1:${key(1)}\nk1:${key(2)}`, /line 2: key id "k1" appears twice/);
});

test('a missing key secret stops start-up naming the secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'codec-keys-'));
  try {
    assert.throws(() => loadCodecKeys(dir), new RegExp(`secret "${CODEC_KEYS_SECRET}" is missing`));
    await writeFile(join(dir, CODEC_KEYS_SECRET), `k1:${key(3)}\n`);
    assert.equal(loadCodecKeys(dir).current.id, 'k1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
