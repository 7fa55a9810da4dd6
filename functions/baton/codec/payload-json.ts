/**
 * Payloads in proto3 JSON, as the Temporal UI and CLI send them to a codec server: every bytes field (the data
 * and each metadata value) is base64 (standard or URL-safe alphabet).
 */
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** One payload in proto3 JSON. */
export const payloadJson = z.object({
  metadata: z.record(z.string().max(256), base64).nullish(),
  data: base64.nullish(),
});
export type PayloadJson = z.infer<typeof payloadJson>;

export function payloadFromJson({ metadata, data }: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function payloadToJson({ metadata, data }: Payload): PayloadJson {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(data ?? []).toString('base64'),
  };
}
