/** The API key routes of the trigger API (`/keys`, admin only), through the gateway. */
import { callApi, type BatonApi } from './run-client.ts';
import type { ApiKeyInfo } from '../../functions/baton/auth/key-store.ts';
import type { Role } from '../../functions/baton/auth/roles.ts';

export type { ApiKeyInfo };

export async function listKeys(api: BatonApi): Promise<ApiKeyInfo[]> {
  return (await callApi<{ keys: ApiKeyInfo[] }>(api, 'GET', '/keys')).keys;
}

/** Creates a key; the answer's `key` is shown this once and stored nowhere. */
export async function createKey(api: BatonApi, name: string, roles: Role[]): Promise<ApiKeyInfo & { key: string }> {
  return callApi(api, 'POST', '/keys', { name, roles });
}

export async function revokeKey(api: BatonApi, id: string): Promise<ApiKeyInfo> {
  return callApi(api, 'POST', `/keys/${encodeURIComponent(id)}/revoke`);
}
