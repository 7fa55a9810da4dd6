import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { runCliCaptured } from '../testing.ts';
import { checkName } from './names.ts';
import { applyPlan } from './plan.ts';
import { planPipeline } from './pipeline.ts';
import { planStep } from './step.ts';

// The scaffolds on a temporary copy of the files they read and edit (no npm scripts run: plans are applied here).
let root: string;
const copied = [
  'stack.yml',
  'workflows',
  'template/baton-python/function',
  'template/baton-python/template.yml',
  'template/baton-node/function',
  'template/baton-node/template.yml',
  'functions/ingest',
];
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-scaffold-'));
  for (const path of copied) await cp(join(repoRoot, path), join(root, path), { recursive: true });
});
after(() => rm(root, { recursive: true, force: true }));

/** Every file under root with its text, to prove a refusal changed nothing. */
async function snapshot(dir = root): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files.set(join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}

test('names must be valid function names; the message says why and how to fix it', () => {
  for (const good of ['score', 'score-model', 'a1', 'x'.repeat(63)]) checkName('step', good, 'new step');
  const refusals: [string, RegExp][] = [
    ['Score', /must start with a lowercase letter/],
    ['1score', /must start with a lowercase letter/],
    ['score_model', /holds "_"/],
    ['score-', /must not end with "-"/],
    ['x'.repeat(64), /64 characters, at most 63/],
    ['', /empty/],
    ['a--b', /holds "--"/],
    ['delete', /"delete" is a reserved word/],
  ];
  for (const [bad, why] of refusals) {
    assert.throws(
      () => checkName('step', bad, 'new step'),
      (error: Error) => why.test(error.message) && /Use lowercase letters, digits and "-"/.test(error.message),
      bad,
    );
  }
});

test('a name taken by a function, a step or a pipeline is refused through the CLI with exit code 2, and nothing is written', async () => {
  const before = await snapshot();
  const cases: [string[], RegExp][] = [
    [['new', 'step', 'ingest', '--lang', 'python'], /step name "ingest" is taken: the folder functions\/ingest exists/],
    [['new', 'step', 'fetch-csv', '--lang', 'ts'], /workflows\/steps\/fetch-csv\.ts exists/],
    [['new', 'step', 'baton', '--lang', 'python'], /stack\.yml already has a function "baton"/],
    [['new', 'step', 'Bad_Name', '--lang', 'python'], /not a valid function name/],
    [['new', 'step', 'fresh', '--lang', 'go'], /--lang must be python or ts, not "go"/],
    [
      ['new', 'step', 'fresh', '--lang', 'python', '--pipeline', 'nowhere'],
      /no pipeline "nowhere": .*baton new pipeline nowhere/,
    ],
    [
      ['new', 'pipeline', 'train-classifier'],
      /pipeline name "train-classifier" is taken: the folder workflows\/train-classifier exists/,
    ],
  ];
  for (const [argv, message] of cases) {
    const { code, err } = await runCliCaptured(argv, {}, { cwd: join(root, 'workflows') });
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, message);
  }
  assert.deepEqual(await snapshot(), before, 'refusals wrote nothing');
});

test('outside a Baton checkout the scaffolds say where to run them', async () => {
  const { code, err } = await runCliCaptured(['new', 'pipeline', 'fresh'], {}, { cwd: tmpdir() });
  assert.equal(code, 2);
  assert.match(err, /is not in a Baton checkout .*run `baton new pipeline` inside your Baton checkout/);
});

test('a new pipeline and a step in it: every file written and wired', async () => {
  await applyPlan(root, await planPipeline(root, 'score-daily'));
  await applyPlan(root, await planStep(root, { name: 'score', lang: 'python', pipeline: 'score-daily' }));
  await applyPlan(root, await planStep(root, { name: 'score-node', lang: 'ts' }));
  const text = (path: string) => readFile(join(root, path), 'utf8');

  for (const file of ['input.ts', 'definition.ts', 'workflow.ts', 'workflow.test.ts'])
    await stat(join(root, 'workflows/score-daily', file));
  assert.match(await text('workflows/index.ts'), /export \{ scoreDaily \} from '\.\/score-daily\/workflow\.ts';/);
  assert.match(
    await text('workflows/catalog.ts'),
    /pipelines: PipelineDefinition\[\] = \[[^\]]*\n {2}scoreDailyPipeline,\n\];/,
  );

  assert.equal(
    await text('functions/score/handler.py'),
    await readFile(join(repoRoot, 'template/baton-python/function/handler.py'), 'utf8'),
    'the starter, as it is',
  );
  await stat(join(root, 'functions/score/test_score.py'));
  await stat(join(root, 'functions/score-node/handler.test.ts'));
  assert.match(await text('workflows/steps/score.ts'), /name: 'score',/);
  assert.match(
    await text('workflows/steps/index.ts'),
    /import \{ scoreNode \} from '\.\/score-node\.ts';[\s\S]*\n {2}score,\n {2}scoreNode,\n\];/,
  );

  const stack = await text('stack.yml');
  assert.match(stack, /^# Baton's functions\./, "the file's comments stay");
  const functions = (parse(stack, { merge: true }) as { functions: Record<string, Record<string, unknown>> }).functions;
  assert.deepEqual(functions.score, {
    lang: 'baton-python',
    handler: './functions/score',
    image: 'baton/score:latest',
    environment_file: ['deploy/env/artifacts.yml'],
    labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '4' },
    environment: { exec_timeout: '30s', read_timeout: '30s', write_timeout: '30s' },
    secrets: ['s3-access-key-score', 's3-secret-key-score', 'baton-step-key-score'],
    annotations: { 'com.baton.storage': 'read:runs/ write:runs/' },
  });
  assert.equal(functions['score-node']!.lang, 'baton-node');

  assert.match(
    await text('workflows/score-daily/definition.ts'),
    /import \{ score \} from '\.\.\/steps\/score\.ts';[\s\S]*steps: \[score\],/,
  );
  const workflow = await text('workflows/score-daily/workflow.ts');
  assert.match(workflow, /import \{ runStep \} from '\.\.\/run-step\.ts';/);
  assert.match(workflow, /outputs\.score = await runStep\(score, \{\}\);.*\n\s*\/\/ baton:steps/);
  assert.match(
    await text('workflows/score-daily/workflow.test.ts'),
    /score: \{ greeting: 'Hello, world!' \},\n\s*\/\/ baton:fake-outputs/,
  );
});

test('a step for a pipeline written by hand lists what to add instead of editing it', async () => {
  const definition = await readFile(join(root, 'workflows/train-classifier/definition.ts'), 'utf8');
  const plan = await planStep(root, { name: 'explain', lang: 'python', pipeline: 'train-classifier' });
  assert.ok(!plan.changes.some((change) => change.path.startsWith('workflows/train-classifier/')));
  assert.match(
    plan.byHand.join('\n'),
    /workflows\/train-classifier\/workflow\.ts: `import \{ explain \} from '\.\.\/steps\/explain\.ts';`/,
  );
  assert.equal(await readFile(join(root, 'workflows/train-classifier/definition.ts'), 'utf8'), definition);
});
