/**
 * Baton API keys: `baton_<id>_<secret>`, where the id (12 hex digits) names the key in lists and logs and the
 * secret (32 random bytes, base64url) is shown once and stored only as its SHA-256. The secret has 256 bits of
 * entropy, so a plain hash suffices: no password stretching is needed to resist guessing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^baton_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A parsed key: its public id and its secret part. */
export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** A new random key and what may be stored of it. */
export function newApiKey(): { key: string; id: string; secretSha256: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `baton_${id}_${secret}`, id, secretSha256: sha256(secret) };
}

/** The id and secret of a well-formed key; undefined for anything else. */
export function parseApiKey(value: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(value);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** Whether `secret` hashes to `storedSha256`, in constant time. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const stored = Buffer.from(storedSha256, 'hex');
  const given = Buffer.from(sha256(secret), 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
