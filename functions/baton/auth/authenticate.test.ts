import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { memoryRegistryStore } from '../../../registry/memory-store.ts';
import { newApiKey } from './api-key.ts';
import { authenticator, BOOTSTRAP_ADMIN } from './authenticate.ts';
import { API_KEYS_DOCUMENT, ApiKeyStore, MAX_API_KEYS } from './key-store.ts';
import { oidcVerifier } from './oidc.ts';

const admin = newApiKey().key;

test('an issued key authenticates with its roles until revoked; its hash, never the key, is stored', async () => {
  const store = memoryRegistryStore();
  let now = Date.parse('2026-12-06T10:00:00Z');
  const keys = new ApiKeyStore(store, 5000, () => now);
  const otherReplica = new ApiKeyStore(store, 5000, () => now);
  const check = authenticator({ adminKey: admin, keys });
  const created = await keys.create('ci-bot', ['trigger'], BOOTSTRAP_ADMIN);
  assert.match(created.key, /^baton_[0-9a-f]{12}_[\w-]{43}$/);
  assert.deepEqual(await check(`Bearer ${created.key}`), {
    id: `key:${created.info.id}`,
    name: 'ci-bot',
    roles: ['trigger'],
  });
  assert.ok(await otherReplica.authenticate(created.key), 'another replica reads the same store');
  const stored = store.objects.get(API_KEYS_DOCUMENT)!.toString();
  // The secret is everything after `baton_<id>_` (it may itself hold underscores).
  const secret = created.key.slice(`baton_${created.info.id}_`.length);
  assert.ok(!stored.includes(secret), 'the secret part is not stored');
  assert.deepEqual(
    (await keys.list()).map((key) => [key.name, key.createdBy, 'secretSha256' in key]),
    [['ci-bot', 'admin', false]],
  );

  await keys.revoke(created.info.id, BOOTSTRAP_ADMIN);
  assert.equal(await check(`Bearer ${created.key}`), undefined, 'refused at once where it was revoked');
  assert.ok(await otherReplica.authenticate(created.key), 'another replica trusts its copy for the cache time');
  now += 5001;
  assert.equal(await otherReplica.authenticate(created.key), undefined, 'and refuses it after');
  assert.equal((await keys.list())[0]!.revokedBy, 'admin');
});

test('anything but a valid key is refused without saying why: altered, unknown, other schemes, oversized', async () => {
  const keys = new ApiKeyStore(memoryRegistryStore());
  const check = authenticator({ adminKey: admin, keys });
  const { key } = await keys.create('alice', ['viewer'], BOOTSTRAP_ADMIN);
  const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
  for (const header of [
    undefined,
    '',
    `Bearer ${altered}`,
    `Bearer ${newApiKey().key}`,
    `Basic ${key}`,
    key,
    `Bearer ${key}x`,
    `Bearer ${'a'.repeat(9000)}`,
  ]) {
    assert.equal(await check(header), undefined, String(header).slice(0, 40));
  }
  assert.deepEqual(await check(`Bearer ${admin}`), BOOTSTRAP_ADMIN, 'the bootstrap admin key from the secret');
  assert.deepEqual(await check(`bearer   ${admin} `), BOOTSTRAP_ADMIN, 'the scheme is case-insensitive');
});

test('revoking an unknown key is a not-found error; the number of active keys is capped', async () => {
  const store = memoryRegistryStore();
  const keys = new ApiKeyStore(store);
  await assert.rejects(keys.revoke('0123456789ab', BOOTSTRAP_ADMIN), { name: 'KeyStoreError', kind: 'not-found' });
  const full = Array.from({ length: MAX_API_KEYS }, (_, i) => ({
    id: `k${i}`,
    name: 'x',
    roles: ['viewer'],
    secretSha256: '00',
    createdAt: '',
    createdBy: 'admin',
  }));
  store.objects.set(API_KEYS_DOCUMENT, Buffer.from(JSON.stringify({ keys: full })));
  await assert.rejects(keys.create('one-more', ['viewer'], BOOTSTRAP_ADMIN), { kind: 'limit' });
});

test("OIDC: a JWT of the issuer, for Baton's audience, unexpired, gives its roles claim; anything else is refused", async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const { privateKey: strangerKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const issuer = 'https://login.example.com/';
    const refusals: string[] = [];
    const verify = oidcVerifier(
      {
        issuer,
        audience: 'baton',
        jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
        rolesClaim: 'baton_roles',
      },
      (reason) => refusals.push(reason),
    );
    const check = authenticator({ adminKey: admin, keys: new ApiKeyStore(memoryRegistryStore()), oidc: verify });
    const token = (
      claims: Record<string, unknown>,
      options: { key?: CryptoKey; audience?: string; issuer?: string; expires?: string | number } = {},
    ) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('u-42')
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'baton')
        .setIssuedAt()
        .setExpirationTime(options.expires ?? '5m')
        .sign(options.key ?? privateKey);

    const good = await token({ email: 'ann@example.com', baton_roles: ['approver', 'superuser'] });
    assert.deepEqual(await check(`Bearer ${good}`), { id: 'oidc:u-42', name: 'ann@example.com', roles: ['approver'] });
    assert.deepEqual(
      (await check(`Bearer ${await token({ baton_roles: 'viewer trigger' })}`))?.roles,
      ['viewer', 'trigger'],
      'a space-separated claim',
    );

    for (const bad of [
      await token({ baton_roles: ['admin'] }, { audience: 'another-app' }),
      await token({ baton_roles: ['admin'] }, { issuer: 'https://evil.example.com/' }),
      await token({ baton_roles: ['admin'] }, { expires: Math.floor(Date.parse('2020-01-01T00:00:00Z') / 1000) }),
      await token({ baton_roles: ['admin'] }, { key: strangerKey }),
    ]) {
      assert.equal(await check(`Bearer ${bad}`), undefined);
    }
    assert.equal(refusals.length, 4);
    assert.ok(
      refusals.every((reason) => !reason.includes('eyJ')),
      `no token in the refusal reasons: ${refusals.join('; ')}`,
    );
  } finally {
    server.close();
  }
});
