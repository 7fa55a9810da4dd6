/**
 * The id of the run a watch starts for one data version: `<watchId>-<16 hex digits>`, a 64-bit FNV-1a hash of the
 * version. The same watch and version always give the same id, so Temporal itself refuses a second start (the
 * watch replayed, retried, or restarted): exactly one run per data version. Pure code: the workflow computes it.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** FNV-1a (64 bits) of the text's UTF-8 bytes, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of utf8(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The workflow id of the run `watchId` starts for `version`. */
export function runIdFor(watchId: string, version: string): string {
  return `${watchId}-${fnv1a64(version)}`;
}

/** UTF-8 bytes by hand: the workflow sandbox need not offer TextEncoder. */
function* utf8(text: string): Generator<number> {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) yield code;
    else if (code < 0x800) yield* [0xc0 | (code >> 6), 0x80 | (code & 63)];
    else if (code < 0x10000) yield* [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)];
    else yield* [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)];
  }
}
