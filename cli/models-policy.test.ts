import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from './errors.ts';
import type { ModelPolicyView } from './api/models-client.ts';
import { policyDetails } from './models-format.ts';
import { runCliCaptured as cli, startFakeGateway, type FakeRequest } from './testing.ts';

const defaults = {
  enabled: true,
  metric: 'accuracy' as const,
  minimum: 0.8,
  mustBeatProduction: true,
  allowBreakingSignature: false,
  approval: { required: false, timeout: '1h', approverMustNotBeStarter: false },
};
const stored: ModelPolicyView = {
  name: 'iris',
  stored: true,
  version: 2,
  updatedAt: '2026-01-02T00:00:00Z',
  updatedBy: 'root',
  reason: 'four eyes',
  rules: { ...defaults, minimum: 0.9, approval: { required: true, timeout: '2h', approverMustNotBeStarter: true } },
  history: [
    { version: 1, rules: { minimum: 0.85 }, updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'root', reason: 'launch' },
  ],
};

/** A stand-in gateway: iris has `stored`, wine none; a PUT answers the rules it got as version 3. */
const fakeGateway = () =>
  startFakeGateway(({ method, url, body }: FakeRequest) => {
    if (method === 'GET' && url === '/function/baton/models/iris/policy') return { status: 200, body: stored };
    if (method === 'GET' && url === '/function/baton/models/wine/policy')
      return { status: 200, body: { name: 'wine', stored: false, version: 0, rules: defaults } };
    if (method === 'PUT' && url === '/function/baton/models/iris/policy') {
      const { rules, reason } = body as { rules: object; reason?: string };
      return {
        status: 200,
        body: { ...stored, version: 3, rules: { ...defaults, ...rules }, reason: reason ?? '', changed: true },
      };
    }
    if (method === 'PUT')
      return {
        status: 403,
        body: { error: { message: 'tom (roles: trigger) may not PUT /models/wine/policy: it needs the role "admin"' } },
      };
    return undefined;
  });

test('the policy shows version, author, rules and earlier versions; the default policy says so', () => {
  assert.deepEqual(policyDetails(stored, 'UTC'), [
    'model       iris',
    'policy      version 2, set 2026-01-02 00:00:00 by root (four eyes)',
    'promotion   enabled',
    'metric      accuracy ≥ 0.9, and above the production version',
    "signature   must match production's (features, order, types, classes)",
    "approval    required within 2h, by someone other than the run's starter",
    '  v1  2026-01-01 00:00:00 by root: launch  {"minimum":0.85}',
    '',
    "A run's input may make these rules stricter, never looser.",
  ]);
  const fallback = policyDetails({ name: 'wine', stored: false, version: 0, rules: defaults }, 'UTC');
  assert.equal(fallback[1], 'policy      the default policy (version 0): none stored');
  assert.equal(fallback[5], 'approval    not required');
});

test('baton models policy <name> shows it; --set sends inline JSON or a file with --reason to PUT', async () => {
  const gateway = await fakeGateway();
  const dir = await mkdtemp(join(tmpdir(), 'baton-policy-'));
  try {
    const shown = await cli(['models', 'policy', 'iris'], gateway.env);
    assert.equal(shown.code, EXIT.ok);
    assert.match(shown.out, /^model {7}iris\npolicy {6}version 2/);
    assert.deepEqual(JSON.parse((await cli(['models', 'policy', 'wine', '--json'], gateway.env)).out), {
      name: 'wine',
      stored: false,
      version: 0,
      rules: defaults,
    });

    const set = await cli(
      ['models', 'policy', 'iris', '--set', '{"minimum": 0.95}', '--reason', 'stricter'],
      gateway.env,
    );
    assert.equal(set.code, EXIT.ok, set.err);
    assert.match(set.out, /policy {6}version 3, .*\(stricter\)\n.*\nmetric {6}accuracy ≥ 0\.95/);
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'PUT',
      url: '/function/baton/models/iris/policy',
      body: { rules: { minimum: 0.95 }, reason: 'stricter' },
    });

    await writeFile(join(dir, 'policy.json'), '{"approval": {"required": true, "approverMustNotBeStarter": true}}');
    const fromFile = await cli(['models', 'policy', 'iris', '--set', 'policy.json'], gateway.env, { cwd: dir });
    assert.equal(fromFile.code, EXIT.ok, fromFile.err);
    assert.deepEqual(gateway.requests.at(-1)!.body, {
      rules: { approval: { required: true, approverMustNotBeStarter: true } },
    });

    const requests = gateway.requests.length;
    const badJson = await cli(['models', 'policy', 'iris', '--set', '{minimum: 1}'], gateway.env);
    assert.equal(badJson.code, EXIT.usage);
    assert.match(badJson.err, /^baton: --set is not valid JSON .*; for example '\{"minimum": 0\.9\}'/);
    const missing = await cli(['models', 'policy', 'iris', '--set', 'nope.json'], gateway.env, { cwd: dir });
    assert.match(missing.err, /^baton: --set "nope\.json": no such file/);
    assert.equal(gateway.requests.length, requests, 'usage errors call nothing');

    const refused = await cli(['models', 'policy', 'wine', '--set', '{}'], gateway.env);
    assert.notEqual(refused.code, EXIT.ok);
    assert.match(refused.err, /needs the role "admin"/);
  } finally {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('help lists models policy', async () => {
  assert.match((await cli(['--help'])).out, /baton models policy <name> \[--set <json\|file\|->\]/);
  assert.match((await cli(['models', 'policy', '--help'])).out, /approverMustNotBeStarter/);
});
