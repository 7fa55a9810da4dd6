import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadStackFiles } from './stack-file.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const repoStack = path.join(repo, 'stack.yml');
const fixtureStack = path.join(repo, 'test/fixtures/gateway/stack.yml');

describe('loadStackFiles', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'baton-stack-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a stack file with `functions` under the temp folder; returns its path. */
  async function stackFile(name: string, body: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, body);
    return file;
  }

  it("reads the repository's stack.yml: env files, scale labels, timeouts, absolute handlers", async () => {
    const { functions } = await loadStackFiles([repoStack]);
    assert.deepEqual(functions.map((f) => f.name).slice(0, 3), ['baton', 'ingest', 'train'], 'in file order');
    const train = functions.find((f) => f.name === 'train')!;
    assert.equal(train.handler, path.join(repo, 'functions/train'));
    assert.equal(train.environment.S3_REGION, 'us-east-1', 'from deploy/env/artifacts.yml');
    assert.equal(train.environment.max_inflight, '1');
    assert.deepEqual(train.timeouts, { execMs: 600_000, readMs: 600_000, writeMs: 600_000 });
    assert.deepEqual([train.minReplicas, train.maxReplicas], [1, 4]);
    assert.deepEqual(train.secrets, ['s3-access-key-train', 's3-secret-key-train', 'baton-step-key-train']);
    assert.deepEqual(
      train.storage,
      { read: ['datasets/'], write: ['runs/'], delete: [] },
      'from annotations["com.baton.storage"]',
    );
    const predict = functions.find((f) => f.name === 'predict')!;
    assert.deepEqual(
      predict.storage,
      {
        read: ['models/', 'system/api-keys.json'],
        write: ['inference-feedback/', 'inference-log/'],
        delete: [],
      },
      "predict reads the registry and the API keys' hashes, and only writes its inference log and feedback",
    );
    const ingest = functions.find((f) => f.name === 'ingest')!;
    assert.deepEqual(ingest.storage?.write, ['datasets/'], 'ingest writes dataset versions only');
    for (const f of functions) {
      assert.ok(f.storage, `${f.name} declares its storage rights`);
      assert.ok(
        !f.secrets.includes('s3-access-key') && !f.secrets.includes('s3-secret-key'),
        `${f.name} has no shared S3 credentials`,
      );
    }
    const baton = functions.find((f) => f.name === 'baton')!;
    assert.equal(baton.environment.TEMPORAL_NAMESPACE, 'default', 'from the second environment_file');
    assert.equal(baton.environment.BATON_GATEWAY_URL, 'http://gateway.openfaas:8080');
  });

  it('reads shared settings through YAML anchors and merge keys as if each function spelled them out', async () => {
    await writeFile(path.join(dir, 'shared.yml'), 'environment:\n  SHARED: "yes"\n');
    const anchored = await stackFile(
      'anchored.yml',
      [
        'x-defaults: &defaults',
        '  environment_file: [shared.yml]',
        '  labels: {com.openfaas.scale.min: "1", com.openfaas.scale.max: "4"}',
        'functions:',
        '  a:',
        '    <<: *defaults',
        '    lang: echo',
        '    handler: ./a',
        '    image: a:1',
        '    secrets: [baton-step-key-a]',
        '  b:',
        '    <<: *defaults',
        '    lang: echo',
        '    handler: ./b',
        '    image: b:1',
        '    labels: {com.openfaas.scale.min: "2", com.openfaas.scale.max: "3"}',
        '',
      ].join('\n'),
    );
    const expanded = await stackFile(
      'expanded.yml',
      [
        'functions:',
        '  a:',
        '    lang: echo',
        '    handler: ./a',
        '    image: a:1',
        '    environment_file: [shared.yml]',
        '    labels: {com.openfaas.scale.min: "1", com.openfaas.scale.max: "4"}',
        '    secrets: [baton-step-key-a]',
        '  b:',
        '    lang: echo',
        '    handler: ./b',
        '    image: b:1',
        '    environment_file: [shared.yml]',
        '    labels: {com.openfaas.scale.min: "2", com.openfaas.scale.max: "3"}',
        '',
      ].join('\n'),
    );
    const [fromAnchors, spelledOut] = await Promise.all([loadStackFiles([anchored]), loadStackFiles([expanded])]);
    const settings = (functions: typeof spelledOut.functions) => functions.map(({ stackFile: _, ...fn }) => fn);
    assert.deepEqual(settings(fromAnchors.functions), settings(spelledOut.functions));
    const [a, b] = fromAnchors.functions;
    assert.equal(a!.environment.SHARED, 'yes', 'the shared environment_file applies');
    assert.deepEqual(
      [a!.minReplicas, a!.maxReplicas, b!.minReplicas, b!.maxReplicas],
      [1, 4, 2, 3],
      "a function's own key replaces the shared one",
    );
  });

  it('merges files: the environment wins over environment_file, a later file replaces a function and says so', async () => {
    const redefined = await stackFile(
      'echo-again.yml',
      'functions:\n  echo:\n    lang: echo\n    handler: ./h\n    image: other:1\n',
    );
    const { functions, overridden } = await loadStackFiles([repoStack, fixtureStack, redefined]);
    const { functions: repoFunctions } = await loadStackFiles([repoStack]);
    assert.equal(functions.length, repoFunctions.length + 1, 'the fixture adds echo; redefining it adds nothing');
    const echo = functions.find((f) => f.name === 'echo')!;
    assert.equal(echo.image, 'other:1');
    assert.equal(echo.handler, path.join(dir, 'h'), 'relative to the file that defines it');
    assert.equal(overridden.length, 1);
    assert.equal(overridden[0]!.name, 'echo');
    assert.match(
      overridden[0]!.note,
      /echo-again\.yml: functions\.echo replaces the one in .*test\/fixtures\/gateway\/stack\.yml/,
    );

    const fixture = (await loadStackFiles([fixtureStack])).functions[0]!;
    assert.equal(fixture.environment.GREETING, 'from-stack');
    assert.equal(fixture.environment.ECHO_FROM_FILE, 'yes');
    assert.deepEqual(fixture.annotations, { topic: 'testing' });
  });

  it('defaults: 1 to 20 replicas, 30 s timeouts, numbers and booleans read as strings', async () => {
    const file = await stackFile(
      'defaults.yml',
      'functions:\n  f:\n    lang: x\n    handler: .\n    image: f\n    environment:\n      N: 3\n      B: true\n' +
        '  g:\n    lang: x\n    handler: .\n    image: g\n    limits:\n      memory: 512Mi\n      cpu: 1\n    requests:\n      memory: 64Mi\n' +
        '    constraints:\n      - disktype=ssd\n    readonly_root_filesystem: false\n',
    );
    const [f, g] = (await loadStackFiles([file])).functions;
    assert.deepEqual([f!.minReplicas, f!.maxReplicas], [1, 20]);
    assert.deepEqual([f!.limits, g!.limits], [{}, { memory: '512Mi', cpu: '1' }]);
    assert.deepEqual([f!.requests, g!.requests], [{}, { memory: '64Mi' }]);
    assert.deepEqual([f!.constraints, g!.constraints], [[], ['disktype=ssd']]);
    assert.deepEqual([f!.readOnlyRootFilesystem, g!.readOnlyRootFilesystem], [undefined, false]);
    assert.deepEqual(f!.timeouts, { execMs: 30_000, readMs: 30_000, writeMs: 30_000 });
    assert.deepEqual(f!.environment, { N: '3', B: 'true' });
  });

  const fn = (extra: string) => `functions:\n  train:\n    lang: x\n    handler: .\n    image: t\n${extra}`;
  const cases: [string, string, RegExp][] = [
    [
      'a scale label that is not a whole number',
      fn('    labels:\n      com.openfaas.scale.min: two\n'),
      /^bad\.yml: functions\.train\.labels\["com\.openfaas\.scale\.min"\] must be a whole number, not "two"$/,
    ],
    [
      'min above max',
      fn('    labels:\n      com.openfaas.scale.min: 5\n      com.openfaas.scale.max: 2\n'),
      /functions\.train\.labels\["com\.openfaas\.scale\.min"\] \(5\) must not exceed labels\["com\.openfaas\.scale\.max"\] \(2\)/,
    ],
    [
      'a missing key',
      'functions:\n  train:\n    handler: .\n    image: t\n',
      /^bad\.yml: functions\.train\.lang is required$/,
    ],
    [
      'a key of the wrong type',
      fn('    secrets: s3-access-key\n'),
      /^bad\.yml: functions\.train\.secrets must be a list$/,
    ],
    [
      'a timeout that is no duration',
      fn('    environment:\n      exec_timeout: soon\n'),
      /^bad\.yml: functions\.train\.environment\.exec_timeout must be a duration like "60s" or whole seconds, not "soon"$/,
    ],
    [
      'a missing environment_file',
      fn('    environment_file:\n      - nope.yml\n'),
      /^bad\.yml: functions\.train\.environment_file\[0\]: .*nope\.yml does not exist$/,
    ],
    [
      'a function name OpenFaaS would refuse',
      'functions:\n  Train_1:\n    lang: x\n    handler: .\n    image: t\n',
      /^bad\.yml: functions\.Train_1 is not a valid function name/,
    ],
    ['no functions map', 'version: 1.0\n', /^bad\.yml: functions is required$/],
    [
      'storage rights it cannot parse',
      fn(
        '    secrets: [s3-access-key-train, s3-secret-key-train]\n    annotations:\n      com.baton.storage: "list:models/"\n',
      ),
      /^bad\.yml: functions\.train\.annotations\["com\.baton\.storage"\]: "list:models\/" must be <right>:<prefix>/,
    ],
    [
      'storage rights without the own S3 secrets',
      fn('    annotations:\n      com.baton.storage: "read:models/"\n'),
      /^bad\.yml: functions\.train\.annotations\["com\.baton\.storage"\] gives storage rights, but secrets lacks "s3-access-key-train" and "s3-secret-key-train"/,
    ],
    [
      'the shared S3 secrets',
      fn('    secrets: [s3-access-key, s3-secret-key]\n'),
      /^bad\.yml: functions\.train\.secrets lists "s3-access-key", "s3-secret-key": declare the function's own "s3-access-key-train"/,
    ],
  ];
  for (const [what, yaml, expected] of cases) {
    it(`names the file and key for ${what}`, async () => {
      const file = await stackFile('bad.yml', yaml);
      const cwd = process.cwd();
      process.chdir(dir); // errors show paths relative to the working directory
      try {
        await assert.rejects(loadStackFiles([file]), (err: Error) => (assert.match(err.message, expected), true));
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
