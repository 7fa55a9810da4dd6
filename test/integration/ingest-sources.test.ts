/**
 * Ingest from real sources on the real local stack: a table of a real PostgreSQL server (Debian's binaries, started
 * here, its role's password the stack's generated `postgres-password` secret) read by `ingest-postgres`, and a CSV
 * file stored in MinIO turned into a dataset version by `ingest`. Both called through the gateway with step
 * envelopes; the dataset versions are checked in MinIO (content address, schema statistics, version history).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client as MinioClient } from 'minio';
import { irisCsv as irisRows } from '../support/iris.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { rootMinioClient } from '../support/root-minio.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { postSignedStep } from '../support/step-call.ts';

const BUCKET = 'baton-artifacts';
const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

let stack: TestStack | undefined;
let postgres: PostgresServer | undefined;
let minio: MinioClient;
let password: string;
const irisCsv = irisRows(); // the iris table with the species as text (deploy/local/demo-data/iris.csv)

before(async () => {
  postgres = await startPostgres();
  stack = await startTestStack({
    functionEnv: { ...postgres.env, PG_ALLOWED_TABLES: 'public.iris,public.no_such_table' },
  });
  // The function reads the password from the stack's generated secret: the role gets exactly that one.
  password = (await readFile(join(stack.secrets.dir, 'postgres-password'), 'utf8')).trim();
  assert.ok(password.length >= 16, 'the local stack generated a postgres-password');
  await postgres.setPassword(password);
  const columns = [...IRIS_COLUMNS.map((name) => `${name} double precision`), 'species text'].join(', ');
  assert.equal(await postgres.loadCsv('iris', columns, irisCsv), 150);
  minio = rootMinioClient(stack);
});

after(async () => {
  try {
    await stopTestStack(stack);
  } finally {
    await postgres?.stop();
  }
});

interface ArtifactRef {
  uri: string;
  sha256: string;
  size: number;
}
interface DatasetVersion {
  name: string;
  version: string;
  data: ArtifactRef;
  schema: ArtifactRef;
  rows: number;
  columns: string[];
  target: string;
  previousVersion: string | null;
}
interface ColumnSchema {
  name: string;
  dtype: string;
  role: string;
  missing: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  classes?: unknown[];
  distinct?: number;
}

let calls = 0;
/** POSTs a step envelope to a function through the gateway, as the invoke activity does. */
async function invoke(
  fn: string,
  input: unknown,
): Promise<{
  status: number;
  body: {
    output?: { dataset: DatasetVersion };
    error?: { message: string; type: string; issues?: { path: string }[] };
  };
  text: string;
}> {
  calls += 1;
  const run = {
    workflowId: `ingest-sources-${calls}`,
    runId: `run-${calls}`,
    pipeline: 'ingest-sources-test',
    step: fn,
    attempt: 1,
  };
  const response = await postSignedStep(stack!, fn, { input, run }, { 'X-Call-Id': `ingest-sources:${fn}:${calls}` });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

async function readObject(uri: string): Promise<Buffer> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  const chunks: Buffer[] = [];
  for await (const chunk of await minio.getObject(BUCKET, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The stored data.csv and schema.json of a version, checked against their references and the content address. */
async function storedVersion(
  dataset: DatasetVersion,
): Promise<{ csv: string; schema: { rows: number; bytes: number; version: string; columns: ColumnSchema[] } }> {
  assert.equal(dataset.data.uri, `s3://${BUCKET}/datasets/${dataset.name}/${dataset.version}/data.csv`);
  const data = await readObject(dataset.data.uri);
  assert.equal(sha256(data), dataset.data.sha256);
  assert.equal(dataset.version, sha256(data).slice(0, 12), "the version is the first 12 hex of data.csv's sha256");
  const schemaBytes = await readObject(dataset.schema.uri);
  assert.equal(sha256(schemaBytes), dataset.schema.sha256);
  const schema = JSON.parse(schemaBytes.toString('utf8'));
  assert.equal(schema.bytes, data.length);
  assert.equal(schema.version, dataset.version);
  return { csv: data.toString('utf8'), schema };
}

test('ingest-postgres reads a real table into a content-addressed dataset version with its schema', async () => {
  const answer = await invoke('ingest-postgres', { table: 'iris', target: 'species' });
  assert.equal(answer.status, 200, answer.text);
  const dataset = answer.body.output!.dataset;
  assert.deepEqual(
    {
      name: dataset.name,
      rows: dataset.rows,
      columns: dataset.columns,
      target: dataset.target,
      previousVersion: dataset.previousVersion,
    },
    { name: 'iris', rows: 150, columns: IRIS_COLUMNS, target: 'species', previousVersion: null },
  );
  const { csv, schema } = await storedVersion(dataset);
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0], 'sepal_length,sepal_width,petal_length,petal_width,species');
  assert.equal(lines.length, 151);
  assert.equal(lines[1], '4.3,3.0,1.1,0.1,setosa', 'rows ordered by every column: the smallest sepal first');
  assert.equal(schema.rows, 150);
  const byName = Object.fromEntries(schema.columns.map((column) => [column.name, column]));
  assert.deepEqual(
    {
      dtype: byName.sepal_length!.dtype,
      role: byName.sepal_length!.role,
      missing: byName.sepal_length!.missing,
      min: byName.sepal_length!.min,
      max: byName.sepal_length!.max,
      mean: byName.sepal_length!.mean,
    },
    { dtype: 'float64', role: 'feature', missing: 0, min: 4.3, max: 7.9, mean: 5.843333333 },
  );
  assert.ok(Math.abs(byName.sepal_length!.std! - 0.8280661) < 1e-6, `sample std ${byName.sepal_length!.std}`);
  assert.deepEqual(
    [byName.species!.dtype, byName.species!.role, byName.species!.classes],
    ['string', 'target', ['setosa', 'versicolor', 'virginica']],
  );

  // The same table again: the same version, and still no previous one (never itself).
  const again = await invoke('ingest-postgres', { table: 'iris', target: 'species' });
  assert.deepEqual(again.body.output!.dataset, dataset);

  // A changed table is a new version that names the first as its previous one.
  await postgres!.query("UPDATE iris SET sepal_length = 8.5 WHERE species = 'virginica' AND sepal_length = 7.9");
  const changed = (await invoke('ingest-postgres', { table: 'iris', target: 'species' })).body.output!.dataset;
  assert.notEqual(changed.version, dataset.version);
  assert.equal(changed.previousVersion, dataset.version);
  assert.equal(byNameOf((await storedVersion(changed)).schema).sepal_length!.max, 8.5);
});

function byNameOf(schema: { columns: ColumnSchema[] }): Record<string, ColumnSchema> {
  return Object.fromEntries(schema.columns.map((column) => [column.name, column]));
}

test('an unknown table or target column, or a table off PG_ALLOWED_TABLES, is a 422 naming it, and nothing is stored', async () => {
  const table = await invoke('ingest-postgres', { table: 'no_such_table', target: 'species' });
  assert.equal(table.status, 422, table.text);
  assert.deepEqual(
    table.body.error!.issues!.map((issue) => issue.path),
    ['input.table'],
  );
  assert.match(table.body.error!.message, /"public"\."no_such_table" does not exist/);

  const column = await invoke('ingest-postgres', { table: 'iris', target: 'label' });
  assert.equal(column.status, 422, column.text);
  assert.deepEqual(
    column.body.error!.issues!.map((issue) => issue.path),
    ['input.target'],
  );
  assert.match(column.body.error!.message, /column "label" is not in table/);

  // A real table the role may read, but not on PG_ALLOWED_TABLES: refused by name before any query.
  await postgres!.query('CREATE TABLE IF NOT EXISTS staff (name text, salary int, species text)');
  const offList = await invoke('ingest-postgres', { table: 'staff', target: 'species' });
  assert.equal(offList.status, 422, offList.text);
  assert.deepEqual(
    offList.body.error!.issues!.map((issue) => issue.path),
    ['input.table'],
  );
  assert.match(offList.body.error!.message, /"public"\."staff" is not on PG_ALLOWED_TABLES/);

  const injected = await invoke('ingest-postgres', { table: 'iris; DROP TABLE iris', target: 'species' });
  assert.equal(injected.status, 422);
  assert.deepEqual(await postgres!.query('SELECT count(*) FROM iris'), [['150']], 'the table is still there');

  const stored: string[] = [];
  for await (const item of minio.listObjectsV2(BUCKET, 'datasets/no_such_table/', true))
    if (item.name) stored.push(item.name);
  assert.deepEqual(stored, []);
});

test('ingest turns a CSV artifact into a dataset version; changed content names the version before it', async () => {
  const put = async (key: string, text: string): Promise<ArtifactRef> => {
    await minio.putObject(BUCKET, key, Buffer.from(text), Buffer.byteLength(text), { 'Content-Type': 'text/csv' });
    return { uri: `s3://${BUCKET}/${key}`, sha256: sha256(text), size: Buffer.byteLength(text) };
  };
  // As a data server might send it: CRLF line ends and a missing value.
  const raw = irisCsv.replace('5.1,3.5,1.4,0.2,setosa\n', '5.1,,1.4,0.2,setosa\n').replaceAll('\n', '\r\n');
  const first = await invoke('ingest', {
    source: 'csv',
    name: 'iris-csv',
    csv: await put('runs/csv-1/fetch-csv/source.csv', raw),
    target: 'species',
  });
  assert.equal(first.status, 200, first.text);
  const dataset = first.body.output!.dataset;
  assert.deepEqual(
    [dataset.name, dataset.rows, dataset.columns, dataset.target, dataset.previousVersion],
    ['iris-csv', 150, IRIS_COLUMNS, 'species', null],
  );
  const { csv, schema } = await storedVersion(dataset);
  assert.ok(!csv.includes('\r'), 'stored with \\n line ends');
  assert.equal(csv.split('\n')[1], '5.1,,1.4,0.2,setosa', 'rows keep their order, the missing value stays empty');
  const byName = byNameOf(schema);
  assert.equal(byName.sepal_width!.missing, 1);
  assert.deepEqual(byName.species!.classes, ['setosa', 'versicolor', 'virginica']);

  // Fewer rows: a new version whose previous version is the first; repeating it keeps that answer.
  const fewer = raw.split('\r\n').slice(0, 101).join('\r\n') + '\r\n';
  const changedRef = await put('runs/csv-2/fetch-csv/source.csv', fewer);
  const second = (await invoke('ingest', { source: 'csv', name: 'iris-csv', csv: changedRef, target: 'species' })).body
    .output!.dataset;
  assert.equal(second.rows, 100);
  assert.notEqual(second.version, dataset.version);
  assert.equal(second.previousVersion, dataset.version);
  const repeated = (await invoke('ingest', { source: 'csv', name: 'iris-csv', csv: changedRef, target: 'species' }))
    .body.output!.dataset;
  assert.deepEqual(repeated, second);
  const latest = JSON.parse((await readObject(`s3://${BUCKET}/datasets/iris-csv/latest.json`)).toString('utf8'));
  assert.deepEqual(latest, { version: second.version, previous: dataset.version });

  const noTarget = await invoke('ingest', { source: 'csv', name: 'iris-csv', csv: changedRef, target: 'label' });
  assert.equal(noTarget.status, 422);
  assert.deepEqual(
    noTarget.body.error!.issues!.map((issue) => issue.path),
    ['input.target'],
  );
});

test('a database that refuses connections is a retryable 500 naming host:port, never the password', async () => {
  const address = `127.0.0.1:${postgres!.port}`;
  await postgres!.stop();
  const answer = await invoke('ingest-postgres', { table: 'iris', target: 'species' });
  assert.equal(answer.status, 500, answer.text);
  assert.ok(answer.body.error!.message.includes(`PostgreSQL at ${address}`), answer.body.error!.message);
  assert.ok(!answer.text.includes(password), 'the answer does not hold the password');
  // The function's log as the gateway serves it (GET /system/logs, ndjson): the failure is there, the password not.
  const auth = `Basic ${Buffer.from(`${stack!.secrets.gatewayUser}:${stack!.secrets.gatewayPassword}`).toString('base64')}`;
  const logs = await (
    await fetch(`${stack!.gatewayUrl}/system/logs?name=ingest-postgres&tail=1000`, { headers: { authorization: auth } })
  ).text();
  assert.ok(logs.includes(address), 'the failure is in the function log');
  assert.ok(!logs.includes(password), 'the function log does not hold the password');
});
