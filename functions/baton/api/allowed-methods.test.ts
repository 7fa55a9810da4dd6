import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { memoryRegistryStore } from '../../../registry/memory-store.ts';
import { ApiKeyStore } from '../auth/key-store.ts';
import { allowedMethods } from './allowed-methods.ts';
import { createApi } from './app.ts';

test('the methods of a path come from the access table; HEAD goes with GET', () => {
  const of = allowedMethods();
  assert.deepEqual(of('/runs'), ['GET', 'HEAD', 'POST']);
  assert.deepEqual(of('/runs/r1/cancel'), ['POST']);
  assert.deepEqual(of('/models/iris/versions/0123456789ab'), ['GET', 'HEAD']);
  assert.deepEqual(of('/nothing/here'), []);
});

test('a method a route does not take answers 405 with Allow; a path no route serves, 404', async () => {
  const api = createApi({
    client: { options: { loadedDataConverter: { payloadCodecs: [] } } } as unknown as Client,
    taskQueue: 'q',
    namespace: 'default',
    pipelines: [],
    steps: new Map(),
    callbackKey: 'k'.repeat(32),
    signingKey: 's'.repeat(32),
    publicUrl: 'http://gw/function/baton',
    temporalUiUrl: undefined,
    health: () => ({}),
    authenticate: async () => ({ id: 'key:root', name: 'root', roles: ['admin'] }),
    keys: () => new ApiKeyStore(memoryRegistryStore()),
  });
  const deleted = await api.request('/runs', { method: 'DELETE' });
  assert.equal(deleted.status, 405);
  assert.equal(deleted.headers.get('allow'), 'GET, HEAD, POST');
  assert.match(
    ((await deleted.json()) as { error: { message: string } }).error.message,
    /\/runs does not take DELETE: use GET or HEAD or POST/,
  );
  assert.equal((await api.request('/healthz', { method: 'PATCH' })).status, 405);
  const missing = await api.request('/nothing/here');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /see GET \/openapi.json/);
});
