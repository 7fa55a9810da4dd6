import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepErrorType } from '#baton-contract';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Prediction } from './api/run-client.ts';
import { EXIT, UsageError } from './errors.ts';
import { predictionLines } from './predict-format.ts';
import { readPredictRows } from './predict-input.ts';
import { FAKE_TOKEN, runCliCaptured, startFakeGateway } from './testing.ts';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];
const answer: Prediction = {
  model: { name: 'iris', version: '0c1d2e3f4a5b' },
  predictions: ['setosa', 'virginica'],
  probabilities: [
    [0.97, 0.03, 0],
    [0, 0.123456, 0.876544],
  ],
  classes: ['setosa', 'versicolor', 'virginica'],
};

const noStdin = async () => assert.fail('stdin is not read');

const cli = (argv: string[], env: Record<string, string> = {}) =>
  runCliCaptured(argv, env, { readStdin: async () => JSON.stringify(ROWS) });

/** A stand-in gateway for the predict function. */
const fakeGateway = () =>
  startFakeGateway(({ url, body: sent }) => {
    const body = sent as { input: { model: string } } | undefined;
    if (url !== '/function/predict') return { status: 404, text: '404 page not found' };
    if (body?.input.model === 'iris') return { status: 200, body: { output: answer } };
    if (body?.input.model === 'bad-rows') {
      return {
        status: 422,
        body: {
          error: {
            message: 'invalid predict input: rows.0: expected a list of 4 numbers',
            type: StepErrorType.InvalidInput,
            issues: [{ path: 'input.rows.0', message: 'expected a list of 4 numbers (a, b, c, d), got 2 values' }],
          },
        },
      };
    }
    if (body?.input.model === 'absent')
      return { status: 404, text: 'error finding function predict.openfaas-fn: not found' };
    if (body?.input.model === 'locked') {
      return {
        status: 401,
        body: {
          error: {
            message: 'predict did not accept the credential (unknown, revoked or not a Baton API key): ...',
            type: StepErrorType.Unauthorized,
          },
        },
      };
    }
    if (body?.input.model === 'roleless') {
      return {
        status: 403,
        body: {
          error: {
            message: 'API key 0123456789ab has no role granting "viewer": ask an admin for a key with role viewer',
            type: StepErrorType.Forbidden,
          },
        },
      };
    }
    if (body?.input.model === 'broken')
      return { status: 500, body: { error: { message: 'model file is corrupt', type: 'ValueError' } } };
    return {
      status: 200,
      body: { output: { model: { name: body?.input.model, version: 'aaaaaaaaaaaa' }, predictions: [1.5, 2] } },
    };
  });

test('the rows come from --rows, --instances, or --input-file (a JSON file or - for stdin)', async () => {
  assert.deepEqual(await readPredictRows({ rows: JSON.stringify(ROWS) }, '/', noStdin), { rows: ROWS });
  assert.deepEqual(await readPredictRows({ instances: '[{"a": 1, "b": 2}]' }, '/', noStdin), {
    instances: [{ a: 1, b: 2 }],
  });
  assert.deepEqual(await readPredictRows({ 'input-file': '-' }, '/', async (): Promise<string> => ' [[1, 2]]\n'), {
    rows: [[1, 2]],
  });
  const dir = await mkdtemp(join(tmpdir(), 'baton-predict-'));
  try {
    const files: [string, string, unknown][] = [
      ['rows.json', JSON.stringify(ROWS), { rows: ROWS }],
      ['instances.json', '[{"a": 1}, {"a": 2}]', { instances: [{ a: 1 }, { a: 2 }] }],
      ['wrapped-rows.json', '{"rows": [[1]]}', { rows: [[1]] }],
      ['wrapped-instances.json', '{"instances": [{"a": 1}]}', { instances: [{ a: 1 }] }],
    ];
    for (const [name, text, expected] of files) {
      await writeFile(join(dir, name), text);
      assert.deepEqual(await readPredictRows({ 'input-file': name }, dir, noStdin), expected, name);
    }
    await writeFile(join(dir, 'broken.json'), '[[1, 2]');
    await assert.rejects(
      readPredictRows({ 'input-file': 'broken.json' }, dir, noStdin),
      /^UsageError: --input-file "broken.json" is not valid JSON \(/,
    );
    await writeFile(join(dir, 'other.json'), '{"model": "iris", "rows": [[1]]}');
    await assert.rejects(
      readPredictRows({ 'input-file': 'other.json' }, dir, noStdin),
      /--input-file "other.json" must hold an array of rows .* or \{"rows": \[\.\.\.\]\} or \{"instances": \[\.\.\.\]\}/,
    );
    await writeFile(join(dir, 'mixed.json'), '[{"a": 1}, [1]]');
    await assert.rejects(
      readPredictRows({ 'input-file': 'mixed.json' }, dir, noStdin),
      /--input-file "mixed.json" item 0 is not an array of numbers/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(
    readPredictRows({ 'input-file': 'missing.json' }, '/nowhere', noStdin),
    /--input-file "missing.json": no such file; give a JSON file \(or - for stdin\)/,
  );
});

test('bad rows are usage errors naming the flag, with an example', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      {},
      /^give the rows to score: --rows '\[\[5\.1, 3\.5, 1\.4, 0\.2\]\]' \(in the model's feature order\), --instances .* or --input-file <file\.json \| ->$/,
    ],
    [
      { rows: '[[1]]', instances: '[{}]' },
      /^give only one of --rows, --instances and --input-file, not --rows and --instances$/,
    ],
    [{ rows: '[[5.1, 3.5' }, /^--rows is not valid JSON \(.+\); for example '\[\[5\.1, 3\.5, 1\.4, 0\.2\]\]'$/],
    [
      { instances: '{sepal_length: 1}' },
      /^--instances is not valid JSON \(.+\); for example '\[\{"sepal_length": 5\.1/,
    ],
    [
      { rows: '[1, 2, 3]' },
      /^--rows item 0 is not an array of numbers: give an array of rows, each an array of numbers in the model's feature order/,
    ],
    [{ rows: '{"rows": [[1]]}' }, /^--rows is not a JSON array: /],
    [{ rows: '[]' }, /^--rows is empty: /],
    [
      { instances: '[[1, 2]]' },
      /^--instances item 0 is not an object of numbers by feature name: give an array of objects/,
    ],
  ];
  for (const [values, message] of cases) {
    await assert.rejects(readPredictRows(values, '/', noStdin), (error: unknown) => {
      assert.ok(error instanceof UsageError, JSON.stringify(values));
      assert.match(error.message, message, JSON.stringify(values));
      assert.equal(error.command, 'predict');
      return true;
    });
  }
});

test('the output names the version that served, then one line per row with the top probability', () => {
  assert.deepEqual(predictionLines(answer, false), [
    'iris 0c1d2e3f4a5b (production)',
    '',
    'ROW  PREDICTION  PROBABILITY',
    '1    setosa      0.97',
    '2    virginica   0.8765',
  ]);
  assert.deepEqual(predictionLines({ model: { name: 'm', version: 'v' }, predictions: [1.5, 2] }, true), [
    'm v (pinned with --version)',
    '',
    'ROW  PREDICTION',
    '1    1.5',
    '2    2',
  ]);
  const withId = predictionLines({ ...answer, requestId: 'order-42' }, false);
  assert.equal(withId[0], 'iris 0c1d2e3f4a5b (production), request order-42');
});

test('baton predict posts {"input": ...} to the predict function and prints the answer', async () => {
  const gateway = await fakeGateway();
  try {
    const human = await cli(['predict', 'iris', '--rows', JSON.stringify(ROWS)], gateway.env);
    assert.equal(human.code, EXIT.ok, human.err);
    assert.equal(human.out, predictionLines(answer, false).join('\n'));
    assert.deepEqual(gateway.requests.at(-1), {
      method: 'POST',
      url: '/function/predict',
      body: { input: { model: 'iris', rows: ROWS } },
    });
    assert.equal(
      gateway.authorizations.at(-1),
      `Bearer ${FAKE_TOKEN}`,
      'predict gets the credential (BATON_TOKEN) in a header',
    );

    const pinned = await cli(
      ['predict', 'iris', '--instances', '[{"a": 1}]', '--version', '0c1d2e3f4a5b', '--json'],
      gateway.env,
    );
    assert.equal(pinned.code, EXIT.ok, pinned.err);
    assert.deepEqual(JSON.parse(pinned.out), answer);
    assert.deepEqual(gateway.requests.at(-1)?.body, {
      input: { model: 'iris', instances: [{ a: 1 }], version: '0c1d2e3f4a5b' },
    });

    const stdin = await cli(['predict', 'iris', '--input-file', '-'], gateway.env);
    assert.equal(stdin.code, EXIT.ok, stdin.err);
    assert.deepEqual(gateway.requests.at(-1)?.body, { input: { model: 'iris', rows: ROWS } });

    const requests = gateway.requests.length;
    const badJson = await cli(['predict', 'iris', '--rows', '[[1, 2]'], gateway.env);
    assert.equal(badJson.code, EXIT.usage);
    assert.match(
      badJson.err,
      /^baton: --rows is not valid JSON \(.+\); for example '\[\[5\.1, 3\.5, 1\.4, 0\.2\]\]'\nusage: baton predict <model>/,
    );
    assert.equal((await cli(['predict', 'iris'], gateway.env)).code, EXIT.usage);
    assert.equal((await cli(['predict', '--rows', '[[1]]'], gateway.env)).err.split('\n')[0], 'baton: missing <model>');
    assert.equal(gateway.requests.length, requests, 'usage errors call nothing');
  } finally {
    await gateway.close();
  }
});

test("the function's refusals show their paths (exit 2); a missing or failing predict function is named (exit 3)", async () => {
  const gateway = await fakeGateway();
  try {
    const refused = await cli(['predict', 'bad-rows', '--rows', '[[1, 2]]'], gateway.env);
    assert.equal(refused.code, EXIT.usage);
    assert.equal(
      refused.err,
      'baton: invalid predict input: rows.0: expected a list of 4 numbers\n  input.rows.0: expected a list of 4 numbers (a, b, c, d), got 2 values',
    );
    const absent = await cli(['predict', 'absent', '--rows', '[[1]]'], gateway.env);
    assert.equal(absent.code, EXIT.unreachable);
    assert.equal(
      absent.err,
      `baton: the gateway at ${gateway.url} answered 404 (error finding function predict.openfaas-fn: not found): it has no "predict" function: is this a Baton gateway? (set BATON_GATEWAY_URL / --gateway)`,
    );
    const locked = await cli(['predict', 'locked', '--rows', '[[1]]'], gateway.env);
    assert.equal(locked.code, EXIT.usage);
    assert.match(
      locked.err,
      /^baton: the predict function did not accept your credential: it takes an API key with role viewer .*not the bootstrap admin key .*`baton keys create --name <you> --roles viewer` and set BATON_TOKEN to it$/,
    );
    const roleless = await cli(['predict', 'roleless', '--rows', '[[1]]'], gateway.env);
    assert.equal(roleless.code, EXIT.usage);
    assert.equal(
      roleless.err,
      'baton: API key 0123456789ab has no role granting "viewer": ask an admin for a key with role viewer',
    );
    const broken = await cli(['predict', 'broken', '--rows', '[[1]]'], gateway.env);
    assert.equal(broken.code, EXIT.unreachable);
    assert.equal(
      broken.err,
      'baton: the predict function failed (500): model file is corrupt; see .baton/logs/functions.log',
    );
  } finally {
    await gateway.close();
  }
});

test('help lists predict', async () => {
  assert.match(
    (await cli(['--help'])).out,
    /baton predict <model> \(--rows <json> \| --instances <json> \| --input-file <file>\) \[--version <v>\] \[--json\]/,
  );
  assert.match((await cli(['predict', '--help'])).out, /^Usage: baton predict <model>[\s\S]*--input-file <file>/);
});
