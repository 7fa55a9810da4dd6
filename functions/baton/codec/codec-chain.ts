import type { Payload, PayloadCodec } from '@temporalio/common';

/** Runs `payloads` through each codec's encode, in order (as the SDK's data converter does). */
export async function encodePayloads(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let encoded = payloads;
  for (const codec of codecs) encoded = await codec.encode(encoded);
  return encoded;
}

/** Runs `payloads` through each codec's decode, last codec first (the reverse of encoding). */
export async function decodePayloads(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let decoded = payloads;
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  return decoded;
}
