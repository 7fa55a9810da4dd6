/**
 * The payload codec's keys, read from one secret so they can rotate: one key per line, `<key-id>:<base64 key>`,
 * the first line encrypts, every line still decrypts (payloads already in Temporal keep their key id).
 */
import { readSecret } from '../../../template/baton-node/secrets.ts';

/** The secret holding the codec's keys. */
export const CODEC_KEYS_SECRET = 'baton-codec-keys';

/** AES-256: every key is exactly this many bytes. */
export const KEY_BYTES = 32;

/** A key id goes into every payload's metadata in clear: short, and nothing that needs quoting. */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The codec's keys: the one that encrypts, and every one that decrypts, by id. */
export interface CodecKeys {
  current: { id: string; key: Buffer };
  byId: ReadonlyMap<string, Buffer>;
}

/** How to make a key line, for error messages and docs. */
export const KEY_LINE_HINT = `one key per line, "<key-id>:<base64 of ${KEY_BYTES} random bytes>", e.g. made with: printf '%s:%s\\n' "$(date +%Y-%m-%d)" "$(openssl rand -base64 ${KEY_BYTES})"`;

/**
 * Parses the secret's text. Blank lines and `#` comments are skipped. The error names the secret and the line,
 * never a key.
 */
export function parseCodecKeys(text: string, secretName = CODEC_KEYS_SECRET): CodecKeys {
  const fail = (where: string, problem: string) =>
    new Error(`secret "${secretName}" ${where}: ${problem}; expected ${KEY_LINE_HINT}`);
  const byId = new Map<string, Buffer>();
  let current: CodecKeys['current'] | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = `line ${index + 1}`;
    const colon = line.indexOf(':');
    if (colon < 0) throw fail(where, 'has no ":" between key id and key');
    const id = line.slice(0, colon).trim();
    const encoded = line.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw fail(where, 'the key id must be 1-64 letters, digits, ".", "_" or "-"');
    if (byId.has(id)) throw fail(where, `key id "${id}" appears twice`);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES)
      throw fail(where, `key "${id}" must be ${KEY_BYTES} bytes in base64 (it is ${key.length} bytes)`);
    byId.set(id, key);
    current ??= { id, key };
  });
  if (!current) throw fail('is empty', 'it holds no key');
  return { current, byId };
}

/** Reads and parses the codec's key secret (the error names the secret, never a key). */
export function loadCodecKeys(secretsDir?: string, secretName = CODEC_KEYS_SECRET): CodecKeys {
  return parseCodecKeys(readSecret(secretName, secretsDir), secretName);
}
