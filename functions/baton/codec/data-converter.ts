import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec.ts';
import { loadCodecKeys } from './keys.ts';

/**
 * The data converter of every Temporal client and worker of Baton: the default payload converter, then
 * encryption with the keys of the `baton-codec-keys` secret (read from `secretsDir`, default: where the function's
 * secrets are mounted). A missing or malformed secret throws an error naming it, so start-up stops.
 */
export function encryptedDataConverter(secretsDir?: string): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(loadCodecKeys(secretsDir))] };
}
