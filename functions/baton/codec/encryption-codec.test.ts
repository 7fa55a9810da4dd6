import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from './encryption-codec.ts';
import { parseCodecKeys } from './keys.ts';

const line = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const codecOf = (...lines: string[]) => new EncryptionCodec(parseCodecKeys(lines.join('\n')));
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();
const secret = { dataset: 'wine', canary: 'canary-7f3a' };

test('a payload round-trips, and what leaves the codec is ciphertext labelled with its key id', async () => {
  const codec = codecOf(line('k1', 1));
  const plain = defaultPayloadConverter.toPayload(secret);
  const [encrypted] = await codec.encode([plain]);
  assert.equal(text(encrypted!.metadata?.[METADATA_ENCODING_KEY]), ENCRYPTED_ENCODING);
  assert.equal(text(encrypted!.metadata?.[KEY_ID_METADATA]), 'k1');
  assert.ok(!Buffer.from(encrypted!.data!).includes('canary-7f3a'), 'no plain text in the encrypted data');
  assert.deepEqual(
    Object.keys(encrypted!.metadata ?? {}).sort(),
    [METADATA_ENCODING_KEY, KEY_ID_METADATA].sort(),
    'the original encoding is hidden too',
  );
  const [decoded] = await codec.decode([encrypted!]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), secret);
  const [again] = await codec.encode([plain]);
  assert.notDeepEqual(again!.data, encrypted!.data, 'a fresh nonce per payload');
});

test('rotation: the newest key encrypts, a payload of a retired key still decodes', async () => {
  const [old] = await codecOf(line('2026-06', 1)).encode([defaultPayloadConverter.toPayload(secret)]);
  const rotated = codecOf(line('2026-12', 2), line('2026-06', 1));
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), secret);
  const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(secret)]);
  assert.equal(text(fresh!.metadata?.[KEY_ID_METADATA]), '2026-12');
  await assert.rejects(
    codecOf(line('2026-12', 2)).decode([old!]),
    (error: Error) =>
      error instanceof PayloadDecryptionError &&
      /key "2026-06", which the codec's key secret no longer holds/.test(error.message),
  );
});

test('tampered ciphertext, a relabelled key id and a wrong key are refused', async () => {
  const codec = codecOf(line('k1', 1), line('k2', 2));
  const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
  const flipped = Buffer.from(encrypted!.data!);
  flipped[20]! ^= 1;
  await assert.rejects(codec.decode([{ ...encrypted!, data: flipped }]), /failed authentication: it was altered/);
  const relabelled: Payload = {
    ...encrypted!,
    metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') },
  };
  await assert.rejects(codec.decode([relabelled]), /\(key "k2"\) failed authentication/);
  await assert.rejects(codecOf(line('k1', 9)).decode([encrypted!]), /failed authentication/);
  await assert.rejects(codec.decode([{ ...encrypted!, data: flipped.subarray(0, 10) }]), /too short/);
});

test('a payload without the encryption metadata passes through decode unchanged (histories from before)', async () => {
  const plain = defaultPayloadConverter.toPayload(secret);
  const [decoded] = await codecOf(line('k1', 1)).decode([plain]);
  assert.equal(decoded, plain);
});
