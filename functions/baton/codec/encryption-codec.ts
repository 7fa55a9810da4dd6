/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM before it leaves the process, so
 * workflow inputs, results, heartbeat details and memos reach Temporal's database and UI as ciphertext.
 * Modelled on temporalio/samples-typescript `encryption`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { CodecKeys } from './keys.ts';

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata entry naming the key that encrypted a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12; // GCM's standard nonce size; random per payload
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key id, altered bytes, or a wrong key. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** Whether `payload` is one this codec encrypted. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
}

/**
 * Encrypts with the current key, decrypts with whichever key a payload names. Payloads without the encrypted
 * encoding pass through decode unchanged: histories recorded before encryption still read and replay.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The key id is authenticated too: a payload relabelled with another key id is refused, not misread.
    cipher.setAAD(Buffer.from(id));
    const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadDecryptionError(`encrypted payload has no "${KEY_ID_METADATA}" metadata`);
    const id = Buffer.from(idBytes).toString();
    const key = this.keys.byId.get(id);
    if (!key)
      throw new PayloadDecryptionError(
        `payload was encrypted with key "${id}", which the codec's key secret no longer holds: add it back (rotation keeps retired keys for decryption)`,
      );
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key "${id}") is too short to be one`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(idBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${id}") failed authentication: it was altered, or key "${id}" is not the key that encrypted it`,
      );
    }
    return proto.temporal.api.common.v1.Payload.decode(plain);
  }
}
