/** The ingest steps' input schemas: old inputs stay valid, each source asks for what it needs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingest } from './ingest.ts';
import { ingestPostgres } from './ingest-postgres.ts';

const csv = { uri: 's3://baton-artifacts/runs/wf/fetch-csv/source.csv', sha256: 'a'.repeat(64), size: 10 };
const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => issue.path.join('.'));

test('ingest keeps {} and {source: "sklearn", dataset} valid, as runs already in flight send them', () => {
  assert.deepEqual(ingest.input.parse({}), { source: 'sklearn', dataset: 'breast_cancer' });
  assert.deepEqual(ingest.input.parse({ source: 'sklearn', dataset: 'iris' }), { source: 'sklearn', dataset: 'iris' });
  assert.deepEqual(paths(ingest.input.safeParse({ source: 'sklearn', dataset: 'mnist' })), ['dataset']);
});

test('ingest from a CSV artifact needs a dataset name, the artifact reference and the target', () => {
  const input = { source: 'csv', name: 'iris-csv', csv, target: 'species' } as const;
  assert.deepEqual(ingest.input.parse(input), input);
  assert.deepEqual(
    paths(ingest.input.safeParse({ source: 'csv', name: 'Iris CSV', csv: { ...csv, uri: 'http://x' }, target: '' })),
    ['name', 'csv.uri', 'target'],
  );
  assert.deepEqual(paths(ingest.input.safeParse({ ...input, dataset: 'iris' })), ['']);
  assert.deepEqual(paths(ingest.input.safeParse({ source: 'kaggle' })), ['source']);
});

test('ingest-postgres takes plain identifiers only, with schema public by default', () => {
  assert.deepEqual(ingestPostgres.input.parse({ table: 'iris', target: 'species' }), {
    table: 'iris',
    schema: 'public',
    target: 'species',
  });
  assert.deepEqual(
    ingestPostgres.input.parse({ table: 'Iris', schema: 'lab', name: 'flowers', target: 'sepal length', limit: 100 })
      .name,
    'flowers',
  );
  assert.deepEqual(
    paths(
      ingestPostgres.input.safeParse({
        table: 'iris; DROP TABLE iris',
        schema: 'a.b',
        target: '',
        limit: 0,
        name: 'Bad',
      }),
    ),
    ['table', 'schema', 'name', 'target', 'limit'],
  );
});
