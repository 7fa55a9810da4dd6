/**
 * The predict function on the real local stack: two versions of one model trained by the real pipeline and put in
 * MinIO by register-model, production.json switched between them, predict called through the gateway the way
 * people call it (`{"input": ...}`, no run, with a viewer API key). The replica that answers is the same process before
 * and after a promotion: nothing restarts. People's calls need an issued key granting viewer: none, the stack's admin
 * key or a revoked key get 401.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client as MinioClient } from 'minio';
import { createKey, listKeys, revokeKey } from '../../cli/api/keys-client.ts';
import { DEMO_PREDICT_KEY_NAME, demoPredictKey } from '../../deploy/local/demo.ts';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { replicaPids, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const BUCKET = 'baton-artifacts';
const MODEL = 'iris-serving';
// One iris flower of each class (setosa, versicolor, virginica): every model train makes gets these right.
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [5.9, 3.0, 4.2, 1.5],
  [6.7, 3.0, 5.2, 2.3],
];

interface ModelRef {
  uri: string;
  sha256: string;
  size: number;
}
interface PredictAnswer {
  output: {
    model: { name: string; version: string };
    predictions: unknown[];
    probabilities?: number[][];
    classes: unknown[];
    requestId: string;
  };
}
interface ErrorAnswer {
  error: { message: string; type?: string; issues?: { path: string; message: string }[] };
}

let stack: TestStack;
let minio: MinioClient;
/** A key with role viewer, as people calling predict hold. */
let viewerKey: string;
/** Every line of the stack and its functions (what `npm start` writes to logs/functions.log). */
const stackLines: string[] = [];
before(async () => {
  stack = await startTestStack({ verbose: true, say: (line) => stackLines.push(line) });
  viewerKey = (await createKey(stack, 'reader', ['viewer'])).key;
  minio = rootMinioClient(stack);
});
after(() => stopTestStack(stack));

/** Trains and registers one version of MODEL with the real train-classifier pipeline; returns its version. */
async function trainVersion(model: unknown): Promise<string> {
  const run = await triggerRun(stack, {
    pipeline: 'train-classifier',
    input: { dataset: 'iris', model, modelName: MODEL },
  });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  return (view.result as { model: { version: string } }).model.version;
}

async function readObject(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await minio.getObject(BUCKET, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function writeObject(key: string, data: Buffer | string): Promise<void> {
  await minio.putObject(BUCKET, key, data, undefined, {
    'Content-Type': key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
  });
}

/** Points models/<MODEL>/production.json at `version`, as promote-model does (layout in docs/contracts.md). */
async function promote(version: string): Promise<void> {
  const metadata = JSON.parse((await readObject(`models/${MODEL}/${version}/model.json`)).toString('utf8')) as {
    model: ModelRef;
  };
  const { uri, sha256, size } = metadata.model;
  await writeObject(
    `models/${MODEL}/production.json`,
    JSON.stringify({
      version,
      model: { uri, sha256, size },
      promotedAt: new Date().toISOString(),
      by: 'test/predict.test.ts',
      reason: 'switching versions',
    }),
  );
}

async function callPredict(
  input: unknown,
  key: string | null = viewerKey,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${stack.gatewayUrl}/function/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ input }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Calls `call` until `done` holds for its answer or `ms` have passed; answers the last answer. */
async function within<T>(ms: number, call: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  let answer = await call();
  while (!done(answer) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    answer = await call();
  }
  return answer;
}

function assertUnauthorized(answer: { status: number; body: unknown; headers: Headers }, what: string): void {
  assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="baton"', what);
  assert.match((answer.body as ErrorAnswer).error.message, /baton keys create --name <you> --roles viewer/, what);
}

async function predictOk(input: unknown): Promise<PredictAnswer['output']> {
  const { status, body } = await callPredict(input);
  assert.equal(status, 200, JSON.stringify(body));
  return (body as PredictAnswer).output;
}

test('predict serves the production version, follows a promotion without a restart, and refuses a tampered file', async () => {
  const logistic = await trainVersion({ type: 'logistic_regression', params: {} });
  const forest = await trainVersion({ type: 'random_forest', params: { n_estimators: 50 } });
  assert.notEqual(logistic, forest);

  const unpromoted = await callPredict({ model: MODEL, rows: ROWS });
  if (unpromoted.status === 200) {
    // A pipeline that promotes by itself may already have done it: that is fine, the switches below decide.
    assert.ok([logistic, forest].includes((unpromoted.body as PredictAnswer).output.model.version));
  } else {
    assert.equal(unpromoted.status, 422, JSON.stringify(unpromoted.body));
    assert.match((unpromoted.body as ErrorAnswer).error.message, new RegExp(`baton models promote ${MODEL} <version>`));
  }

  await promote(logistic);
  const pids = (await replicaPids('predict', stack.dataDir)).sort();
  assert.ok(pids.length > 0, 'a predict replica runs');
  const first = await predictOk({ model: MODEL, rows: ROWS });
  assert.deepEqual(first.model, { name: MODEL, version: logistic });
  assert.deepEqual(first.predictions, [0, 1, 2]);
  assert.deepEqual(first.classes, [0, 1, 2]);
  assert.equal(first.probabilities?.length, 3);

  // A tampered model file (bytes that no longer match the sha256 its version names) is refused, not loaded.
  const forestKey = `models/${MODEL}/${forest}/model.skops`;
  const genuine = await readObject(forestKey);
  await writeObject(forestKey, await readObject(`models/${MODEL}/${logistic}/model.skops`));
  const tampered = await callPredict({ model: MODEL, version: forest, rows: ROWS });
  assert.equal(tampered.status, 500, JSON.stringify(tampered.body));
  assert.match((tampered.body as ErrorAnswer).error.message, new RegExp(`${forestKey} does not match its reference`));
  await writeObject(forestKey, genuine);

  await promote(forest);
  const second = await predictOk({ model: MODEL, rows: ROWS });
  assert.deepEqual(second.model, { name: MODEL, version: forest }, 'the very next call serves the promoted version');
  assert.deepEqual(second.predictions, [0, 1, 2]);
  const byName = await predictOk({
    model: MODEL,
    instances: ROWS.map(([a, b, c, d]) => ({
      'sepal length (cm)': a!,
      'sepal width (cm)': b!,
      'petal length (cm)': c!,
      'petal width (cm)': d!,
    })),
  });
  // Each call has its own request id (the inference log's key); the rest of the answer is the same.
  assert.deepEqual(
    { ...byName, requestId: undefined },
    { ...second, requestId: undefined },
    'instances by feature name answer like rows',
  );
  assert.notEqual(byName.requestId, second.requestId);

  await promote(logistic); // a rollback
  assert.equal((await predictOk({ model: MODEL, rows: ROWS })).model.version, logistic);
  assert.deepEqual(
    (await replicaPids('predict', stack.dataDir)).sort(),
    pids,
    'the same predict processes served every version',
  );
});

test('predict names the failing field; a step function without direct calls still wants a run', async () => {
  const missing = await callPredict({ model: MODEL, instances: [{ 'sepal length (cm)': 5.1 }] });
  assert.equal(missing.status, 422);
  assert.ok(
    (missing.body as ErrorAnswer).error.issues?.some((issue) => issue.path === 'input.instances.0.petal width (cm)'),
  );

  const tooMany = await callPredict({ model: MODEL, rows: Array.from({ length: 10_001 }, () => ROWS[0]) });
  assert.equal(tooMany.status, 422);
  assert.match((tooMany.body as ErrorAnswer).error.message, /rows: at most 10000 items/);

  const noRun = await fetch(`${stack.gatewayUrl}/function/evaluate`, {
    method: 'POST',
    body: JSON.stringify({ input: {} }),
  });
  assert.equal(noRun.status, 400);
  assert.deepEqual(((await noRun.json()) as ErrorAnswer).error.issues, [{ path: 'run', message: 'required' }]);
});

test('people need an issued key granting viewer: none, the admin key or a revoked key get 401, within 6 s of revocation', async () => {
  const input = { model: 'no-such-model', rows: ROWS }; // past the key check, an unknown model is a 422
  assertUnauthorized(await callPredict(input, null), 'no key');
  assertUnauthorized(await callPredict(input, 'baton_not_a_key'), 'a malformed key');
  assertUnauthorized(await callPredict(input, stack.token), 'the bootstrap admin key (predict never holds it)');
  assertUnauthorized(await callPredict(input, `baton_0123456789ab_${'A'.repeat(43)}`), 'an unknown key');
  assert.equal((await callPredict(input)).status, 422, 'a viewer key passes');

  const trigger = await createKey(stack, 'ci-bot', ['trigger']);
  assert.equal(
    (
      await within(
        1_500,
        () => callPredict(input, trigger.key),
        (a) => a.status !== 401,
      )
    ).status,
    422,
    'trigger includes viewer',
  );

  const reader = await createKey(stack, 'soon-revoked', ['viewer']);
  assert.equal(
    (
      await within(
        1_500,
        () => callPredict(input, reader.key),
        (a) => a.status !== 401,
      )
    ).status,
    422,
    'a new key works within a second',
  );
  await revokeKey(stack, reader.id);
  assertUnauthorized(
    await within(
      6_000,
      () => callPredict(input, reader.key),
      (a) => a.status === 401,
    ),
    'a revoked key, 6 s later',
  );
  assert.equal((await callPredict(input)).status, 422, 'other keys still work');

  // The stack's log names refused keys by id at most: never a key's secret.
  const log = stackLines.join('\n');
  assert.match(
    log,
    new RegExp(`401 direct call: API key ${reader.id} not accepted`),
    'the refusal names the key by its id',
  );
  for (const key of [viewerKey, trigger.key, reader.key, stack.token])
    assert.ok(!log.includes(key.slice(-24)), 'a key in the functions log');
});

test("the demo's predict key: a fresh viewer key each start, the earlier one revoked", async () => {
  const first = await demoPredictKey(stack);
  const second = await demoPredictKey(stack);
  const active = (await listKeys(stack)).filter((key) => key.name === DEMO_PREDICT_KEY_NAME && !key.revokedAt);
  assert.equal(active.length, 1, 'one active demo key however often the stack starts');
  assert.deepEqual(active[0]!.roles, ['viewer']);
  assert.ok(second.includes(`_${active[0]!.id}_`) && !first.includes(`_${active[0]!.id}_`));
  // A key just made works within a second (predict re-reads the list for an id it does not know).
  const answer = await within(
    1_500,
    () => callPredict({ model: MODEL, rows: ROWS }, second),
    (a) => a.status !== 401,
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assertUnauthorized(
    await within(
      6_000,
      () => callPredict({ model: MODEL, rows: ROWS }, first),
      (a) => a.status === 401,
    ),
    'the earlier demo key',
  );
});
