import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandArgs, splitCommand } from './args.ts';
import { modelsCommand } from './commands/models.ts';
import { EXIT } from './errors.ts';
import type { ModelSummary, ModelView } from './api/models-client.ts';
import { modelDetails, modelsTable, promotionLine } from './models-format.ts';
import { runCliCaptured as cli, startFakeGateway } from './testing.ts';

const summary: ModelSummary = {
  name: 'wine-forest',
  versionCount: 2,
  production: { version: 'aaaaaaaaaaaa', promotedAt: '2026-01-01T00:00:05Z', metrics: { accuracy: 0.9 } },
  latest: {
    version: 'bbbbbbbbbbbb',
    registeredAt: '2026-01-02T00:00:00Z',
    stage: 'staging',
    metrics: { accuracy: 0.95, f1: 0.951234 },
  },
};

const version = (id: string, stage: 'staging' | 'production' | 'archived', registeredAt: string) => ({
  name: 'wine-forest',
  version: id,
  registeredAt,
  stage,
  stageChangedAt: registeredAt,
  stageHistory: [{ stage: 'staging' as const, at: registeredAt, by: 'run train-classifier-1', reason: 'registered' }],
  model: {
    uri: `s3://baton-artifacts/models/wine-forest/${id}/model.skops`,
    sha256: `${id}${'0'.repeat(52)}`,
    size: 10,
    format: 'skops',
    type: 'random_forest',
  },
  params: { n_estimators: 200 },
  features: ['alcohol'],
  classes: [0, 1, 2],
  target: 'class',
  metrics: { accuracy: 0.95 },
  lineage: {
    dataset: { name: 'wine', version: '0123456789ab', uri: 's3://baton-artifacts/datasets/wine/0123456789ab/data.csv' },
    run: { pipeline: 'train-classifier', workflowId: 'train-classifier-1', runId: 'r', step: 'register-model' },
    parameters: { dataset: 'wine' },
    codeVersion: 'abc1234-dirty',
    trainedArtifact: 's3://x/y',
    evaluationReport: 's3://x/z',
  },
});

const model: ModelView = {
  name: 'wine-forest',
  production: {
    version: 'aaaaaaaaaaaa',
    model: { uri: 's3://x', sha256: 'a', size: 1 },
    promotedAt: '2026-01-01T00:00:05Z',
    by: 'alice',
    reason: 'best',
  },
  versions: [
    version('bbbbbbbbbbbb', 'staging', '2026-01-02T00:00:00Z'),
    version('aaaaaaaaaaaa', 'production', '2026-01-01T00:00:00Z'),
  ],
};

/** A stand-in gateway for the registry routes. */
const fakeGateway = () =>
  startFakeGateway(({ url }) => {
    if (url === '/function/baton/models') return { status: 200, body: { models: [summary] } };
    if (url === '/function/baton/models/wine-forest') return { status: 200, body: model };
    if (url === '/function/baton/models/wine-forest/versions/bbbbbbbbbbbb/promote')
      return {
        status: 200,
        body: {
          modelName: 'wine-forest',
          version: 'bbbbbbbbbbbb',
          stage: 'production',
          previousProduction: 'aaaaaaaaaaaa',
          changed: true,
        },
      };
    return { status: 404, body: { error: { message: 'no model "beer" in the registry', model: 'beer' } } };
  });

test('"models" is a command and a group: a following word is its argument unless it names a sub-command', () => {
  const names = ['models', 'models promote', 'runs list'];
  const groups = ['runs', 'models'];
  assert.deepEqual(splitCommand(['models'], groups, names), { name: 'models', rest: [] });
  assert.deepEqual(splitCommand(['models', 'wine-forest', '--json'], groups, names), {
    name: 'models',
    rest: ['wine-forest', '--json'],
  });
  assert.deepEqual(splitCommand(['models', 'promote', 'w', 'v'], groups, names), {
    name: 'models promote',
    rest: ['w', 'v'],
  });
  assert.deepEqual(
    splitCommand(['runs', 'frob'], groups, names),
    { name: 'runs frob', rest: [] },
    'a pure group still takes any word',
  );
  assert.deepEqual(parseCommandArgs(modelsCommand, ['wine-forest'], {}).positionals, ['wine-forest']);
  assert.throws(() => parseCommandArgs(modelsCommand, ['a', 'b'], {}), /unexpected argument "b"/);
});

test("the models table and a model's details show versions, stages, metrics and lineage", () => {
  assert.deepEqual(modelsTable([summary], 'UTC'), [
    'MODEL        VERSIONS  PRODUCTION    PROMOTED             LATEST        LATEST STAGE  LATEST METRICS',
    'wine-forest  2         aaaaaaaaaaaa  2026-01-01 00:00:05  bbbbbbbbbbbb  staging       accuracy=0.95 f1=0.9512',
  ]);
  const text = modelDetails(model, 'UTC').join('\n');
  assert.match(text, /^model {7}wine-forest\nproduction {2}aaaaaaaaaaaa since 2026-01-01 00:00:05 by alice \(best\)\n/);
  assert.match(
    text,
    /VERSION {7}STAGE {7}REGISTERED {11}TYPE {11}METRICS\nbbbbbbbbbbbb {2}staging {5}2026-01-02 00:00:00 {2}random_forest {2}accuracy=0.95\naaaaaaaaaaaa {2}production/,
  );
  assert.match(
    text,
    /aaaaaaaaaaaa {2}production since 2026-01-01 00:00:00\n {2}dataset {5}wine 0123456789ab\n {2}run {9}train-classifier-1 \(train-classifier\)\n {2}code {8}abc1234-dirty\n {2}params {6}\{"n_estimators":200\}\n {2}target {6}class\n {2}parameters {2}\{"dataset":"wine"\}/,
  );
  assert.match(text, /2026-01-01 00:00:00 {2}→ staging {4}by run train-classifier-1: registered/);
  assert.equal(
    promotionLine({ modelName: 'm', version: 'v2', stage: 'production', previousProduction: 'v1', changed: true }),
    'm v2 → production; v1 archived',
  );
  assert.equal(
    promotionLine({ modelName: 'm', version: 'v2', stage: 'staging', previousProduction: 'v2', changed: true }),
    'm v2 → staging; no version is in production now',
  );
  assert.equal(
    promotionLine({ modelName: 'm', version: 'v2', stage: 'production', previousProduction: null, changed: false }),
    'm v2 is already in production; nothing changed',
  );
});

test('baton models, models <name> and models promote call the registry routes', async () => {
  const gateway = await fakeGateway();
  try {
    const list = await cli(['models'], gateway.env);
    assert.equal(list.code, EXIT.ok);
    assert.match(list.out, /^MODEL {8}VERSIONS/);
    const one = await cli(['models', 'wine-forest', '--json'], gateway.env);
    assert.deepEqual(JSON.parse(one.out), model);
    const promoted = await cli(
      ['models', 'promote', 'wine-forest', 'bbbbbbbbbbbb', '--reason', 'more accurate'],
      gateway.env,
    );
    assert.equal(promoted.code, EXIT.ok);
    assert.equal(promoted.out, 'wine-forest bbbbbbbbbbbb → production; aaaaaaaaaaaa archived');
    assert.deepEqual(
      gateway.requests.at(-1),
      {
        method: 'POST',
        url: '/function/baton/models/wine-forest/versions/bbbbbbbbbbbb/promote',
        body: { stage: 'production', reason: 'more accurate' },
      },
      'no "by": the API records the credential\'s name',
    );
    await cli(['models', 'promote', 'wine-forest', 'bbbbbbbbbbbb', '--allow-breaking-signature'], gateway.env);
    assert.deepEqual(gateway.requests.at(-1)?.body, { stage: 'production', allowBreakingSignature: true });

    const unknown = await cli(['models', 'beer'], gateway.env);
    assert.equal(unknown.code, EXIT.usage);
    assert.equal(unknown.err, 'baton: no model "beer" in the registry');

    const requests = gateway.requests.length;
    const badStage = await cli(['models', 'promote', 'wine-forest', 'bbbbbbbbbbbb', '--stage', 'live'], gateway.env);
    assert.equal(badStage.code, EXIT.usage);
    assert.match(
      badStage.err,
      /^baton: --stage must be one of staging, production, archived, not "live"\nusage: baton models promote/,
    );
    assert.equal((await cli(['models', 'promote', 'wine-forest'], gateway.env)).code, EXIT.usage);
    assert.equal(gateway.requests.length, requests, 'usage errors call nothing');
  } finally {
    await gateway.close();
  }
});

test('help lists the models commands', async () => {
  const help = await cli(['--help']);
  assert.match(help.out, /baton models \[<name>\] \[--json\]/);
  assert.match(help.out, /baton models promote <name> <version> \[--stage production\]/);
  assert.match((await cli(['models', '--help'])).out, /^Usage: baton models \[<name>\] \[--json\]/);
  assert.match((await cli(['models', 'promote', '--help'])).out, /^Usage: baton models promote <name> <version>/);
});
