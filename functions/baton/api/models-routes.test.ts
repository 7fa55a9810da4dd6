import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  memoryRegistryStore,
  ModelRegistry,
  RegistryConflictError,
  type MemoryRegistryStore,
  type ModelSummary,
  type ModelView,
} from '../../../registry/index.ts';
import { signedIn, TEST_ADMIN, unusedRegistry } from '../auth/testing.ts';
import { answerError } from './trigger-api-error.ts';
import { modelsRoutes } from './models-routes.ts';

/** The models routes over a real registry on an in-memory store, holding two versions of "wine". */
async function setUp() {
  const store = memoryRegistryStore();
  const registry = new ModelRegistry(store);
  const versions: string[] = [];
  for (const content of ['one', 'two']) versions.push((await registry.register(registration(store, content))).version);
  const app = signedIn(modelsRoutes({ registry: () => registry })).onError(answerError);
  return { app, store, one: versions[0]!, two: versions[1]! };
}

function registration(store: MemoryRegistryStore, content: string, features = ['a']) {
  return {
    name: 'wine',
    artifact: store.putArtifact(`runs/${content}/train/model.skops`, Buffer.from(content)),
    format: 'skops',
    type: 'random_forest',
    params: { n_estimators: 5 },
    features,
    classes: [0, 1],
    target: 'label',
    metrics: { accuracy: content === 'one' ? 0.9 : 0.95 },
    lineage: {
      dataset: { name: 'wine', version: '0123456789ab', uri: 's3://baton-test/datasets/wine/0123456789ab/data.csv' },
      run: { pipeline: 'train-classifier', workflowId: `run-${content}`, runId: 'r', step: 'register-model' },
      codeVersion: 'abc1234',
      evaluationReport: 's3://baton-test/report.json',
    },
    by: 'run',
  };
}

const post = (body?: string) => ({
  method: 'POST',
  ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
});

test('GET /models and /models/{name} show versions with stage, metrics and lineage', async () => {
  const { app, one, two } = await setUp();
  const list = (await (await app.request('/')).json()) as { models: ModelSummary[] };
  assert.deepEqual(
    list.models.map((model) => [model.name, model.versionCount, model.production]),
    [['wine', 2, null]],
  );

  const response = await app.request('/wine');
  assert.equal(response.status, 200);
  const model = (await response.json()) as ModelView;
  assert.equal(model.production, null);
  assert.deepEqual(new Set(model.versions.map((v) => v.version)), new Set([one, two]));
  const first = model.versions.find((v) => v.version === one)!;
  assert.equal(first.stage, 'staging');
  assert.deepEqual(first.metrics, { accuracy: 0.9 });
  assert.equal(first.lineage.run.workflowId, 'run-one');
  assert.equal(first.lineage.codeVersion, 'abc1234');

  const version = (await (await app.request(`/wine/versions/${two}`)).json()) as { version: string; stage: string };
  assert.deepEqual([version.version, version.stage], [two, 'staging']);
});

test('unknown models and versions answer 404 naming them', async () => {
  const { app, one } = await setUp();
  const model = await app.request('/beer');
  assert.equal(model.status, 404);
  assert.deepEqual(await model.json(), { error: { message: 'no model "beer" in the registry', model: 'beer' } });
  const version = await app.request('/wine/versions/ffffffffffff');
  assert.equal(version.status, 404);
  assert.deepEqual(await version.json(), {
    error: {
      message: 'no version "ffffffffffff" of model "wine" in the registry',
      model: 'wine',
      version: 'ffffffffffff',
    },
  });
  assert.equal((await app.request('/wine/versions/ffffffffffff/promote', post('{}'))).status, 404);
  assert.equal((await app.request(`/beer/versions/${one}/promote`, post())).status, 404);
});

test('POST promote moves a version to production, archives the previous one, and is idempotent', async () => {
  const { app, store, one, two } = await setUp();
  const first = await app.request(`/wine/versions/${one}/promote`, post());
  assert.equal(first.status, 200, 'an empty body promotes to production');
  assert.deepEqual(await first.json(), {
    modelName: 'wine',
    version: one,
    stage: 'production',
    previousProduction: null,
    changed: true,
  });
  const pointer = JSON.parse(store.objects.get('models/wine/production.json')!.toString()) as { by: string };
  assert.equal(pointer.by, 'test-admin', 'the promotion records who called, from the credential');

  const second = await app.request(`/wine/versions/${two}/promote`, post(JSON.stringify({ reason: 'more accurate' })));
  assert.deepEqual(await second.json(), {
    modelName: 'wine',
    version: two,
    stage: 'production',
    previousProduction: one,
    changed: true,
  });
  const model = (await (await app.request('/wine')).json()) as ModelView;
  assert.equal(model.production?.version, two);
  assert.equal(model.production?.reason, 'more accurate');
  assert.deepEqual(Object.fromEntries(model.versions.map((v) => [v.version, v.stage])), {
    [one]: 'archived',
    [two]: 'production',
  });

  const again = await app.request(`/wine/versions/${two}/promote`, post('{"stage": "production"}'));
  assert.equal(((await again.json()) as { changed: boolean }).changed, false);

  const demoted = await app.request(
    `/wine/versions/${two}/promote`,
    post('{"stage": "staging", "reason": "regression"}'),
  );
  assert.deepEqual(await demoted.json(), {
    modelName: 'wine',
    version: two,
    stage: 'staging',
    previousProduction: two,
    changed: true,
  });
  assert.equal(((await (await app.request('/wine')).json()) as ModelView).production, null);
});

test('a bad promotion body answers 400 naming the field, and changes nothing', async () => {
  const { app, store, one } = await setUp();
  const writes = store.writes.length;
  for (const [body, path] of [
    ['{"stage": "live"}', 'stage'],
    ['{"reason": 5}', 'reason'],
    ['{"by": "mallory"}', 'by'],
    ['{"stag": "production"}', '(root)'],
    ['[1]', '(root)'],
    ['{oops', '(root)'],
  ] as const) {
    const response = await app.request(`/wine/versions/${one}/promote`, post(body));
    assert.equal(response.status, 400, body);
    const answer = (await response.json()) as { error: { issues: { path: string }[] } };
    assert.deepEqual(
      answer.error.issues.map((issue) => issue.path),
      [path],
      body,
    );
  }
  assert.equal(store.writes.length, writes);
});

test('a promotion that keeps losing races answers 409', async () => {
  const conflicted = unusedRegistry({
    getModel: async () => ({ name: 'wine', production: null, versions: [] }),
    setStage: async () => {
      throw new RegistryConflictError('models/wine/production.json');
    },
  });
  const app = signedIn(modelsRoutes({ registry: () => conflicted })).onError(answerError);
  const response = await app.request('/wine/versions/0123456789ab/promote', post('{}'));
  assert.equal(response.status, 409);
  assert.match(
    ((await response.json()) as { error: { message: string } }).error.message,
    /models\/wine\/production\.json kept changing/,
  );
});

const put = (body: string) => ({ method: 'PUT', body, headers: { 'content-type': 'application/json' } });

test('GET /{name}/policy shows the default policy (version 0) until an admin PUTs one; PUT records the caller', async () => {
  const { app, store } = await setUp();
  const before = await app.request('/wine/policy');
  assert.equal(before.status, 200);
  assert.deepEqual(await before.json(), {
    name: 'wine',
    stored: false,
    version: 0,
    rules: {
      enabled: true,
      metric: 'accuracy',
      minimum: 0.8,
      mustBeatProduction: true,
      allowBreakingSignature: false,
      approval: { required: false, timeout: '1h', approverMustNotBeStarter: false },
    },
  });
  const response = await app.request(
    '/wine/policy',
    put(
      '{"rules": {"minimum": 0.9, "approval": {"required": true, "approverMustNotBeStarter": true}}, "reason": "four eyes"}',
    ),
  );
  assert.equal(response.status, 200);
  const answer = (await response.json()) as {
    version: number;
    updatedBy: string;
    reason: string;
    changed: boolean;
    rules: { minimum: number; approval: { approverMustNotBeStarter: boolean } };
  };
  assert.deepEqual(
    [
      answer.version,
      answer.updatedBy,
      answer.reason,
      answer.changed,
      answer.rules.minimum,
      answer.rules.approval.approverMustNotBeStarter,
    ],
    [1, TEST_ADMIN.name, 'four eyes', true, 0.9, true],
  );
  assert.ok(store.objects.has('models/wine/policy.json'));
  const after = (await (await app.request('/wine/policy')).json()) as { version: number; stored: boolean };
  assert.deepEqual([after.version, after.stored], [1, true]);
  // A policy may come before the model's first version: that version is held to it too.
  assert.equal((await app.request('/iris/policy', put('{"rules": {}}'))).status, 200);
});

test('PUT /{name}/policy refuses bad rules, a caller-chosen updatedBy and bad names, naming the field; nothing is written', async () => {
  const { app, store } = await setUp();
  const writes = store.writes.length;
  for (const [body, path] of [
    ['{"rules": {"minimum": 2}}', 'rules.minimum'],
    ['{"rules": {"minimun": 0.9}}', 'rules'],
    ['{"rules": {"approval": {"timeout": "90d"}}}', 'rules.approval.timeout'],
    ['{"rules": {}, "updatedBy": "mallory"}', 'updatedBy'],
    ['{"minimum": 0.9}', '(root)'],
  ] as const) {
    const response = await app.request('/wine/policy', put(body));
    assert.equal(response.status, 400, body);
    const answer = (await response.json()) as { error: { issues: { path: string }[] } };
    assert.ok(
      answer.error.issues.some((issue) => issue.path === path),
      `${body}: ${JSON.stringify(answer.error.issues)}`,
    );
  }
  const badName = await app.request('/Wine%2F..%2Fsystem/policy', put('{"rules": {}}'));
  assert.equal(badName.status, 400);
  assert.deepEqual(
    ((await badName.json()) as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
    ['name'],
  );
  assert.equal(store.writes.length, writes);
});

test("a promotion to production whose signature breaks production's is refused unless allowed, then recorded", async () => {
  const { app, store, one } = await setUp();
  const registry = new ModelRegistry(store);
  const wider = (await registry.register(registration(store, 'three', ['a', 'b']))).version;
  assert.equal((await app.request(`/wine/versions/${one}/promote`, post())).status, 200);

  const refused = await app.request(`/wine/versions/${wider}/promote`, post('{"reason": "more features"}'));
  assert.equal(refused.status, 409);
  const error = ((await refused.json()) as { error: { message: string; issues: { path: string }[] } }).error;
  assert.match(
    error.message,
    new RegExp(`version ${wider}'s signature breaks production version ${one}'s \\(.*added: b`),
  );
  assert.match(error.message, /\{"allowBreakingSignature": true\}/);
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['allowBreakingSignature'],
  );
  assert.equal((await registry.getModel('wine')).production?.version, one, 'production is unchanged');

  // Staging is not serving: no signature check.
  assert.equal((await app.request(`/wine/versions/${wider}/promote`, post('{"stage": "staging"}'))).status, 200);
  const allowed = await app.request(
    `/wine/versions/${wider}/promote`,
    post('{"reason": "more features", "allowBreakingSignature": true}'),
  );
  assert.equal(allowed.status, 200);
  const version = await registry.getVersion('wine', wider);
  assert.equal(version.stage, 'production');
  assert.match(version.stageHistory.at(-1)!.reason ?? '', /^more features; signature change allowed: .*added: b/);
});
