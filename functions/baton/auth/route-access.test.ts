import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { createApi } from '../api/app.ts';
import { ApiKeyStore } from './key-store.ts';
import { memoryRegistryStore } from '../../../registry/memory-store.ts';
import { accessTable, ROUTE_ACCESS } from './route-access.ts';
import type { Principal, Role } from './roles.ts';

/** A client that records every call made through it: a refused request must make none. */
function recordingClient(calls: string[]): Client {
  const record = (path: string): unknown =>
    new Proxy(() => {}, {
      get: (_target, key) => (key === 'then' ? undefined : record(`${path}.${String(key)}`)),
      apply: () => {
        calls.push(path);
        return record(`${path}()`);
      },
    });
  return {
    options: { loadedDataConverter: { payloadCodecs: [] } },
    workflow: record('workflow'),
    activity: record('activity'),
    schedule: record('schedule'),
  } as unknown as Client;
}

const credentials: Record<string, Principal> = {
  none: { id: 'oidc:nobody', name: 'nobody', roles: [] },
  viewer: { id: 'key:v', name: 'vera', roles: ['viewer'] },
  trigger: { id: 'key:t', name: 'tom', roles: ['trigger'] },
  approver: { id: 'key:a', name: 'ann', roles: ['approver'] },
  admin: { id: 'key:root', name: 'root', roles: ['admin'] },
};
/** For each required role, the strongest set of roles that still lacks it. */
const lacking: Record<Role, string[]> = {
  viewer: ['none'],
  trigger: ['viewer', 'approver'],
  approver: ['viewer', 'trigger'],
  admin: ['trigger', 'approver'],
};

function setUp() {
  const calls: string[] = [];
  const store = memoryRegistryStore();
  const api = createApi({
    client: recordingClient(calls),
    taskQueue: 'q',
    namespace: 'default',
    pipelines: [],
    steps: new Map(),
    callbackKey: 'k'.repeat(32),
    signingKey: 's'.repeat(32),
    publicUrl: 'http://gw/function/baton',
    temporalUiUrl: undefined,
    health: () => ({}),
    authenticate: async (authorization) => credentials[authorization?.replace(/^Bearer /, '') ?? ''],
    keys: () => new ApiKeyStore(store),
    registry: () => {
      throw new Error('a refused request reached the registry');
    },
  });
  return { api, calls, store };
}

const concrete = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => `some-${name}`);

test('every route of the trigger API has exactly one entry in the access table, and every entry a route', () => {
  const { api } = setUp();
  const served = new Set(
    api.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`),
  );
  assert.deepEqual([...served].sort(), Object.keys(ROUTE_ACCESS).sort());
});

test('each route refuses a missing or unknown credential with 401 and a role it lacks with 403, and nothing happens', async () => {
  for (const [route, access] of Object.entries(ROUTE_ACCESS)) {
    if (access === 'public' || access === 'step-signature') continue;
    const [method, path] = route.split(' ') as [string, string];
    const { api, calls, store } = setUp();
    const send = (token?: string) =>
      api.request(concrete(path), {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
    for (const token of [undefined, 'not-a-key']) {
      const response = await send(token);
      assert.equal(response.status, 401, `${route} with ${token ?? 'no credential'}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="baton"');
      assert.match(
        ((await response.json()) as { error: { message: string } }).error.message,
        /needs a credential.*baton keys create/,
      );
    }
    for (const name of lacking[access]) {
      const response = await send(name);
      assert.equal(response.status, 403, `${route} as ${name}`);
      assert.match(
        ((await response.json()) as { error: { message: string } }).error.message,
        new RegExp(`needs the role "${access}"`),
      );
    }
    assert.deepEqual(calls, [], `${route}: a refused request made no Temporal call`);
    assert.deepEqual(store.writes, [], `${route}: a refused request wrote nothing`);
  }
});

test("public and step-signature routes pass without a credential (the callbacks check the function's own signature)", async () => {
  const { api } = setUp();
  assert.equal((await api.request('/healthz')).status, 200);
  assert.equal(
    (await api.request('/callbacks/forged', { method: 'POST', headers: { 'X-Function-Status': '200' }, body: '{}' }))
      .status,
    401,
    'refused by the attempt reference check, not by a missing key',
  );
  const body = (await (await api.request('/callbacks/forged', { method: 'POST', body: '{}' })).json()) as {
    error: { message: string };
  };
  assert.match(body.error.message, /unknown attempt reference/);
});

test('a path no route serves needs a credential too, so strangers cannot map the API', async () => {
  const { api } = setUp();
  assert.equal((await api.request('/admin/secret-route')).status, 401);
  assert.equal((await api.request('/admin/secret-route', { headers: { authorization: 'Bearer viewer' } })).status, 404);
  assert.equal(accessTable()('HEAD', '/runs'), 'viewer');
  assert.equal(accessTable(['POST /codec/decode'])('POST', '/codec/decode'), 'public');
});
