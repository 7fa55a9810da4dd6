/**
 * The API keys Baton issued, stored hashed in one document of the artifact bucket (`system/api-keys.json`, which
 * only the orchestrator's storage user may write; predict's may read it, to check people's keys the same way:
 * template/baton-python/baton_step/api_keys.py). Every replica reads it through a short cache, so a key created
 * or revoked on one replica is seen by all within `cacheMs`.
 */
import { z } from 'zod';
import { readDocument, updateDocument, type RegistryStore } from '../../../registry/store.ts';
import { newApiKey, parseApiKey, secretMatches } from './api-key.ts';
import { ROLES, type Principal, type Role } from './roles.ts';
import { DEFAULT_KEY_CACHE_MS } from '../defaults.ts';

export const API_KEYS_DOCUMENT = 'system/api-keys.json';
/** Enough for a team and its automations; a runaway script creating keys stops here. */
export const MAX_API_KEYS = 1000;

/** No trimming: what the document (OpenAPI) allows is exactly what is stored, spaces only inside the name. */
export const keyName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.@+-]([\w .@+-]*[\w.@+-])?$/, 'use letters, digits, spaces (not first or last) and . _ @ + -');

const keyRecord = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)).min(1),
  secretSha256: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});
const keysDocument = z.object({ keys: z.array(keyRecord) });
type KeyRecord = z.infer<typeof keyRecord>;

/** A key as lists show it: everything but its hash. */
export type ApiKeyInfo = Omit<KeyRecord, 'secretSha256'>;

/** Raised when the store refuses a change (too many keys, unknown id): the API answers it as a 4xx. */
export class KeyStoreError extends Error {
  constructor(
    readonly kind: 'not-found' | 'limit',
    message: string,
  ) {
    super(message);
    this.name = 'KeyStoreError';
  }
}

export class ApiKeyStore {
  private cached: { at: number; keys: Map<string, KeyRecord> } | undefined;

  constructor(
    private readonly store: RegistryStore,
    private readonly cacheMs = DEFAULT_KEY_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a key; the answer holds the key itself, which is not stored and cannot be shown again. */
  async create(name: string, roles: Role[], createdBy: Principal): Promise<{ key: string; info: ApiKeyInfo }> {
    const made = newApiKey();
    const record: KeyRecord = {
      id: made.id,
      name,
      roles: [...new Set(roles)],
      secretSha256: made.secretSha256,
      createdAt: new Date(this.now()).toISOString(),
      createdBy: createdBy.name,
    };
    await updateDocument(this.store, API_KEYS_DOCUMENT, keysDocument, (current) => {
      const keys = current?.keys ?? [];
      if (keys.filter((key) => !key.revokedAt).length >= MAX_API_KEYS) {
        throw new KeyStoreError('limit', `there are already ${MAX_API_KEYS} active keys: revoke unused ones first`);
      }
      return { keys: [...keys, record] };
    });
    this.cached = undefined;
    return { key: made.key, info: infoOf(record) };
  }

  /** Every key issued, revoked ones included (their revocation is part of the record). */
  async list(): Promise<ApiKeyInfo[]> {
    return [...(await this.records(true)).values()].map(infoOf);
  }

  /** Revokes a key: it stops working at once on this replica and within the cache time on the others. */
  async revoke(id: string, by: Principal): Promise<ApiKeyInfo> {
    let revoked: KeyRecord | undefined;
    await updateDocument(this.store, API_KEYS_DOCUMENT, keysDocument, (current) => {
      const keys = current?.keys ?? [];
      const found = keys.find((key) => key.id === id);
      if (!found) throw new KeyStoreError('not-found', `no API key with id "${id}"; see GET /keys`);
      if (found.revokedAt) {
        revoked = found;
        return undefined;
      }
      revoked = { ...found, revokedAt: new Date(this.now()).toISOString(), revokedBy: by.name };
      return { keys: keys.map((key) => (key.id === id ? revoked! : key)) };
    });
    this.cached = undefined;
    return infoOf(revoked!);
  }

  /** The principal of a valid, unrevoked key; undefined for anything else. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const record = (await this.records(false)).get(parsed.id);
    if (!record || record.revokedAt || !secretMatches(parsed.secret, record.secretSha256)) return undefined;
    return { id: `key:${record.id}`, name: record.name, roles: record.roles };
  }

  private async records(fresh: boolean): Promise<Map<string, KeyRecord>> {
    if (!fresh && this.cached && this.now() - this.cached.at < this.cacheMs) return this.cached.keys;
    const stored = await readDocument(this.store, API_KEYS_DOCUMENT, keysDocument);
    const keys = new Map((stored?.value.keys ?? []).map((key) => [key.id, key]));
    this.cached = { at: this.now(), keys };
    return keys;
  }
}

function infoOf(record: KeyRecord): ApiKeyInfo {
  const { secretSha256: _hash, ...info } = record;
  return info;
}
