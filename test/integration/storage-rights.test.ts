/**
 * Storage least privilege on the real local stack: every function replica holds its own MinIO user's credentials
 * (never the root's), and MinIO itself refuses what the function's `com.baton.storage` annotation does not allow:
 * predict only reads the registry (models/) and the API keys' hashes (system/api-keys.json) and only writes its inference
 * log and feedback (inference-log/, inference-feedback/), ingest writes dataset
 * versions and never touches models/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import { createKey } from '../../cli/api/keys-client.ts';
import { loadStackFiles } from '../../deploy/local/stack-file.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const BUCKET = 'baton-artifacts';
const PRODUCTION = 'models/rights-probe/production.json';
const DATASET = 'datasets/rights-probe/0123456789ab/data.csv';
const RUN_FILE = 'runs/rights-probe/fetch-csv/source.csv';
const API_KEYS = 'system/api-keys.json';

let stack: TestStack;
let root: MinioClient;
before(async () => {
  stack = await startTestStack();
  root = client(stack.secrets.s3AccessKey, stack.secrets.s3SecretKey);
  await root.putObject(BUCKET, PRODUCTION, '{"version": "0123456789ab"}');
  await root.putObject(BUCKET, DATASET, 'a,target\n1,x\n');
  await root.putObject(BUCKET, RUN_FILE, 'a,target\n1,x\n');
});
after(() => stopTestStack(stack));

function client(accessKey: string, secretKey: string): MinioClient {
  return new MinioClient({
    endPoint: '127.0.0.1',
    port: Number(new URL(stack.minioUrl).port),
    useSSL: false,
    accessKey,
    secretKey,
  });
}

/** The secrets folder the stack made for `fn`'s replicas: exactly what it declared, copied. */
const replicaSecrets = (fn: string) => join(stack.dataDir, 'run', 'secrets', fn);

/** A client with the credentials `fn`'s replicas were given. */
async function clientOf(fn: string): Promise<MinioClient> {
  const read = (name: string) => readFile(join(replicaSecrets(fn), name), 'utf8').then((text) => text.trim());
  return client(await read(`s3-access-key-${fn}`), await read(`s3-secret-key-${fn}`));
}

async function text(s3: MinioClient, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await s3.getObject(BUCKET, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function list(s3: MinioClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of s3.listObjectsV2(BUCKET, prefix, true)) names.push((item as { name: string }).name);
  return names;
}

/** MinIO answered AccessDenied (not a missing object, not a network error). */
async function denied(what: string, attempt: () => Promise<unknown>): Promise<void> {
  await assert.rejects(
    attempt,
    (error: { code?: string }) => error.code === 'AccessDenied',
    `${what} was not refused with AccessDenied`,
  );
}

test("no function's secrets folder holds MinIO's root credentials; each holds its own S3 user's", async () => {
  const { functions } = await loadStackFiles([join(repoRoot, 'stack.yml'), join(repoRoot, 'test/fixtures/stack.yml')]);
  const rootValues = [stack.secrets.s3AccessKey, stack.secrets.s3SecretKey];
  const accessKeys = new Set<string>();
  for (const fn of functions) {
    const files = await readdir(replicaSecrets(fn.name));
    for (const file of files) {
      const value = (await readFile(join(replicaSecrets(fn.name), file), 'utf8')).trim();
      assert.ok(!rootValues.includes(value), `${fn.name}'s secret ${file} is one of MinIO's root credentials`);
    }
    const s3Files = files.filter((file) => file.startsWith('s3-')).sort();
    assert.deepEqual(
      s3Files,
      fn.storage ? [`s3-access-key-${fn.name}`, `s3-secret-key-${fn.name}`] : [],
      `${fn.name}'s S3 secrets`,
    );
    if (fn.storage) accessKeys.add(await readFile(join(replicaSecrets(fn.name), `s3-access-key-${fn.name}`), 'utf8'));
  }
  assert.equal(accessKeys.size, functions.filter((fn) => fn.storage).length, 'one MinIO user per function');
});

test('predict reads the registry and writes only its inference log and feedback; it deletes nothing', async () => {
  const predict = await clientOf('predict');
  assert.equal(await text(predict, PRODUCTION), '{"version": "0123456789ab"}');
  assert.deepEqual(await list(predict, 'models/rights-probe/'), [PRODUCTION]);

  await denied('predict writing models/', () => predict.putObject(BUCKET, PRODUCTION, '{"version": "ffffffffffff"}'));
  await denied('predict writing a new key in models/', () =>
    predict.putObject(BUCKET, 'models/rights-probe/other.json', '{}'),
  );
  await denied('predict writing runs/', () => predict.putObject(BUCKET, 'runs/rights-probe/predict/x.json', '{}'));
  await denied('predict writing datasets/', () => predict.putObject(BUCKET, 'datasets/rights-probe/x.csv', 'a'));
  await denied('predict deleting the production pointer', () => predict.removeObject(BUCKET, PRODUCTION));
  await denied('predict deleting a dataset', () => predict.removeObject(BUCKET, DATASET));
  await denied('predict copying into models/', () =>
    predict.copyObject(BUCKET, 'models/rights-probe/copy.json', `/${BUCKET}/${PRODUCTION}`),
  );
  await denied('predict reading datasets/', () => text(predict, DATASET));
  await denied('predict reading runs/', () => text(predict, RUN_FILE));
  await denied('predict listing datasets/', () => list(predict, 'datasets/'));
  await denied('predict listing the whole bucket', () => list(predict, ''));
  await denied('predict making a bucket', () => predict.makeBucket('rights-probe-bucket'));

  // The one document of API keys it checks people's keys against, and nothing else of system/.
  await createKey(stack, 'rights-probe', ['viewer']);
  assert.match(await text(predict, API_KEYS), /"name": ?"rights-probe"/);
  assert.deepEqual(await list(predict, API_KEYS), [API_KEYS]);
  await root.putObject(BUCKET, 'system/rights-probe.json', '{}');
  await denied('predict reading another document of system/', () => text(predict, 'system/rights-probe.json'));
  await denied('predict listing system/', () => list(predict, 'system/'));
  await denied('predict writing the API keys', () => predict.putObject(BUCKET, API_KEYS, '{"keys": []}'));
  await denied('predict deleting the API keys', () => predict.removeObject(BUCKET, API_KEYS));
  assert.equal(await text(root, PRODUCTION), '{"version": "0123456789ab"}', 'the pointer is unchanged');

  // Its inference log and the feedback on it: written, never read back, listed or deleted (monitor-model reads them).
  const logged = 'inference-log/rights-probe/date=2026-12-07/hour=05/r-1-1.jsonl';
  await predict.putObject(BUCKET, logged, '{"requestId": "a"}\n');
  await predict.putObject(BUCKET, 'inference-feedback/rights-probe/date=2026-12-07/hour=05/r-1-1.jsonl', '{}\n');
  assert.equal(await text(root, logged), '{"requestId": "a"}\n');
  await denied('predict reading its inference log', () => text(predict, logged));
  await denied('predict listing its inference log', () => list(predict, 'inference-log/'));
  await denied('predict deleting its inference log', () => predict.removeObject(BUCKET, logged));
  await denied('predict writing beside its inference log', () =>
    predict.putObject(BUCKET, 'inference-logs/rights-probe/x.jsonl', '{}'),
  );
});

test('ingest writes dataset versions but cannot touch models/', async () => {
  const ingest = await clientOf('ingest');
  await ingest.putObject(BUCKET, 'datasets/rights-probe/fedcba987654/data.csv', 'a,target\n2,y\n');
  assert.equal(await text(ingest, DATASET), 'a,target\n1,x\n');
  assert.equal(await text(ingest, RUN_FILE), 'a,target\n1,x\n', "it reads fetch-csv's file from runs/");

  await denied('ingest reading models/', () => text(ingest, PRODUCTION));
  await denied('ingest listing models/', () => list(ingest, 'models/'));
  await denied('ingest writing models/', () => ingest.putObject(BUCKET, PRODUCTION, '{"version": "ffffffffffff"}'));
  await denied('ingest deleting in models/', () => ingest.removeObject(BUCKET, PRODUCTION));
  await denied('ingest writing runs/', () => ingest.putObject(BUCKET, 'runs/rights-probe/ingest/x.json', '{}'));
  await denied('ingest deleting a dataset', () => ingest.removeObject(BUCKET, DATASET));
  assert.equal(await text(root, PRODUCTION), '{"version": "0123456789ab"}', 'the pointer is unchanged');
});

test('predict serves through its own user: an unknown model is a 422 naming it, not a storage error', async () => {
  const { key } = await createKey(stack, 'rights-probe-predict', ['viewer']);
  const response = await fetch(`${stack.gatewayUrl}/function/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ input: { model: 'rights-probe-none', rows: [[1, 2, 3, 4]] } }),
  });
  const body = await response.text();
  assert.equal(response.status, 422, body);
  assert.match(body, /rights-probe-none/);
});
