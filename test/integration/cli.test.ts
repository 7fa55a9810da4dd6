/**
 * The `baton` CLI as users run it — a subprocess talking to the real local stack through its gateway: runs
 * followed step by step, exit codes from the run's status, visibility queries over Baton's search attributes,
 * show, compare, cancel, and the errors that say how to fix them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getRun, waitForRun, type RunSummary } from '../../cli/api/run-client.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';
import { trainClassifierInput } from '../../workflows/train-classifier/input.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stopTestStack(stack));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx cli/baton.ts ...args` against the test stack's gateway (or `gateway`). */
function baton(
  args: string[],
  options: { gateway?: string; timeoutMs?: number; token?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/baton.ts', ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        BATON_GATEWAY_URL: options.gateway ?? stack.gatewayUrl,
        BATON_TOKEN: options.token ?? stack.token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `baton ${args.join(' ')} did not finish within ${(options.timeoutMs ?? 180_000) / 1000} s\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const explain = (result: CliResult) => `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

/** The run id from `run --wait`'s last status line. */
function finishedRunId(result: CliResult): string {
  const id = /^[✓✗] (\S+) (completed|failed|cancelled|terminated|timed out)/m.exec(result.stdout)?.[1];
  assert.ok(id, `no final status line: ${explain(result)}`);
  return id;
}

/** Visibility is eventually consistent: ask again until `check` holds (or fail with the last answer). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function listJson(args: string[]): Promise<RunSummary[]> {
  const result = await baton(['runs', 'list', ...args, '--json']);
  assert.equal(result.code, 0, explain(result));
  return JSON.parse(result.stdout) as RunSummary[];
}

const trainRuns: { defaults?: string; iris?: string } = {};

test('run --wait follows every step and exits 0 when the run completes', async () => {
  // One after the other: the train function takes one call at a time, a second one would be retried after 429.
  const defaults = await baton(['run', 'train-classifier', '--wait']);
  const iris = await baton([
    'run',
    'train-classifier',
    '--input',
    '{"dataset": "iris", "model": {"type": "random_forest", "params": {"n_estimators": 50}}}',
    '--wait',
  ]);
  for (const result of [defaults, iris]) {
    assert.equal(result.code, 0, explain(result));
    for (const step of ['ingest', 'train', 'evaluate', 'register-model']) {
      assert.match(
        result.stdout,
        new RegExp(`^✓ ${step} +\\d[\\d.]* (ms|s) +attempt 1`, 'm'),
        `${step}: ${explain(result)}`,
      );
    }
    assert.match(result.stdout, /completed in [\d.]+ m?s\nresult\n {2}\{/);
    assert.match(
      result.stdout,
      /^Temporal UI {2}http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/train-classifier-/m,
    );
  }
  trainRuns.defaults = finishedRunId(defaults);
  trainRuns.iris = finishedRunId(iris);
});

test('run with inline --input, and a run whose step breaks its output schema exits 1 naming the field', async () => {
  const flaky = await baton(['run', 'flaky-step', '--input', '{"failures": 0}', '--wait']);
  assert.equal(flaky.code, 0, explain(flaky));
  assert.match(flaky.stdout, /^✓ flaky +\S+ m?s +attempt 1/m);
  assert.match(flaky.stdout, /"calls": 1/);

  const bad = await baton(['run', 'bad-output', '--wait']);
  assert.equal(bad.code, 1, explain(bad));
  assert.match(bad.stdout, /^✗ bad-output .*attempt 1 .*output\.dataset\.rows/m);
  assert.match(
    bad.stdout,
    /^✗ bad-output-\S+ failed after .*: function "bad-output" returned an invalid output for step "bad-output": output\.dataset\.rows/m,
  );
});

test('runs list --where finds exactly the runs a visibility query matches, numeric comparisons included', async () => {
  assert.ok(trainRuns.defaults && trainRuns.iris, 'the train-classifier runs of the first test exist');
  const expected = [trainRuns.defaults, trainRuns.iris].sort();
  const byPipeline = await eventually(
    () => listJson(['--where', "BatonPipeline = 'train-classifier'"]),
    (runs) => runs.length === expected.length,
  );
  assert.deepEqual(byPipeline.map((run) => run.runId).sort(), expected);
  assert.ok(byPipeline.every((run) => run.pipeline === 'train-classifier' && run.status === 'completed'));
  assert.deepEqual(
    (await listJson(['--pipeline', 'train-classifier'])).map((run) => run.runId).sort(),
    expected,
    '--pipeline is the same filter',
  );

  const table = await baton(['runs', 'list', '--where', "BatonPipeline = 'train-classifier'"]);
  assert.equal(table.code, 0, explain(table));
  assert.match(table.stdout, /^RUN ID +PIPELINE +STATUS +STARTED +ACCURACY +MODEL VERSION$/m);
  for (const runId of expected)
    assert.match(
      table.stdout,
      new RegExp(
        `^${runId} +train-classifier +completed +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +0\\.\\d+ +[0-9a-f]+$`,
        'm',
      ),
    );

  // BatonAccuracy (Double) is upserted by finished training runs.
  const accurate = await eventually(
    () => listJson(['--where', 'BatonAccuracy > 0.5']),
    (runs) => runs.length === expected.length,
  );
  assert.deepEqual(
    accurate.map((run) => run.runId).sort(),
    expected,
    'BatonAccuracy > 0.5 finds the finished training runs (needs the BatonAccuracy upsert)',
  );
  assert.ok(
    accurate.every(
      (run) => typeof run.accuracy === 'number' && run.accuracy > 0.5 && typeof run.modelVersion === 'string',
    ),
  );
  assert.deepEqual(await listJson(['--where', 'BatonAccuracy > 1.5']), []);
});

test('runs show prints the step timeline, the result and the Temporal UI link', async () => {
  const shown = await baton(['runs', 'show', trainRuns.iris!]);
  assert.equal(shown.code, 0, explain(shown));
  assert.match(shown.stdout, new RegExp(`^run {7}${trainRuns.iris}$`, 'm'));
  assert.match(shown.stdout, /^status {4}completed$/m);
  assert.match(
    shown.stdout,
    /^steps\n {2}✓ ingest .*\n {2}✓ validate-dataset .*\n {2}✓ train .*\n {2}✓ evaluate .*accuracy=.*\n {2}✓ register-model .*\n {2}✓ report .*\n {2}· promote-model +skipped$/m,
  );
  // Trained under the same model name as the breast-cancer run before it, the iris model reads other features:
  // it stays in staging, and the result says why.
  assert.match(shown.stdout, /the signature breaks production version [0-9a-f]+'s \(features removed: /);
  assert.match(shown.stdout, /^result\n[\s\S]*"name": "iris"/m);
  assert.match(shown.stdout, /^Temporal UI {2}http:\/\/.*\/workflows\/train-classifier-/m);
  const asJson = await baton(['runs', 'show', trainRuns.iris!, '--json']);
  const input = (JSON.parse(asJson.stdout) as { input: Record<string, unknown> }).input;
  assert.deepEqual(
    input,
    trainClassifierInput.parse({ dataset: 'iris', model: { type: 'random_forest', params: { n_estimators: 50 } } }),
    'the view carries the checked input, defaults filled in',
  );
  assert.deepEqual(input.split, { testSize: 0.2, seed: 42 });
});

test('runs compare marks the parameters and metrics that differ', async () => {
  const compared = await baton(['runs', 'compare', trainRuns.defaults!, trainRuns.iris!]);
  assert.equal(compared.code, 0, explain(compared));
  assert.match(compared.stdout, /^≠ +dataset +breast_cancer +iris$/m);
  assert.match(compared.stdout, /^≠ +model\.type +logistic_regression +random_forest$/m);
  assert.match(compared.stdout, /^≠ +model\.params\.n_estimators +- +50$/m);
  assert.match(compared.stdout, /^ +split\.seed +42 +42$/m, 'equal fields are listed unmarked');
  assert.match(compared.stdout, /^≠ +holdoutRows +114 +30$/m, 'metrics are compared too');
  // dataset, model.type and each model's own hyperparameters (filled in with their defaults): C, max_iter on one
  // side, n_estimators, max_depth, min_samples_leaf on the other.
  assert.match(compared.stdout, /^7 differences in input, \d+ differences in metrics$/m);
});

test('runs cancel stops a running slow-step run; cancelling it again exits 2', async () => {
  const started = await baton(['run', 'slow-step', '--input', '{"seconds": 60}']);
  assert.equal(started.code, 0, explain(started));
  const runId = started.stdout.trim();
  assert.match(runId, /^slow-step-[0-9a-f]{8}$/);
  assert.match(started.stderr, /^follow it {3}baton runs show slow-step-/m);
  await eventually(
    () => getRun(stack, runId),
    (run) => run.steps[0]?.status === 'running',
    30_000,
  );

  const cancel = await baton(['runs', 'cancel', runId]);
  assert.equal(cancel.code, 0, explain(cancel));
  assert.match(cancel.stdout, new RegExp(`^cancelling ${runId}`));
  assert.equal((await waitForRun(stack, runId, { timeoutMs: 30_000 })).status, 'cancelled');
  const shown = await baton(['runs', 'show', runId]);
  assert.match(shown.stdout, /^status {4}cancelled$/m);
  assert.match(shown.stdout, /^ {2}✗ slow .*cancelled/m);

  const again = await baton(['runs', 'cancel', runId]);
  assert.equal(again.code, 2, explain(again));
  assert.match(again.stderr, new RegExp(`run "${runId}" is already cancelled`));
});

test("a query the server refuses exits 2 with the server's own message", async () => {
  const result = await baton(['runs', 'list', '--where', 'BatonPipeline ==']);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /^baton: invalid query: .+/);
  assert.doesNotMatch(result.stderr, /\bat .+\.(ts|js):\d+/, 'no stack trace');
  const unknownAttribute = await baton(['runs', 'list', '--where', 'NoSuchAttribute = 1']);
  assert.equal(unknownAttribute.code, 2, explain(unknownAttribute));
  assert.match(unknownAttribute.stderr, /NoSuchAttribute/);
});

test("bad input and unknown pipelines exit 2 with the server's message and the failing fields", async () => {
  const bad = await baton(['run', 'train-classifier', '--input', '{"split": {"testSize": 2}}']);
  assert.equal(bad.code, 2, explain(bad));
  assert.match(bad.stderr, /^baton: invalid input for pipeline "train-classifier"\n {2}input\.split\.testSize: /);
  const unknown = await baton(['run', 'nope']);
  assert.equal(unknown.code, 2, explain(unknown));
  assert.match(unknown.stderr, /unknown pipeline "nope"; known pipelines: train-classifier/);
  const pipelines = await baton(['pipelines']);
  assert.equal(pipelines.code, 0, explain(pipelines));
  assert.match(pipelines.stdout, /^slow-step {2}/m);
});

test('keys: an admin makes a trigger key; it runs and cancels its own runs only, cannot promote, and stops working once revoked', async () => {
  const created = await baton(['keys', 'create', '--name', 'ci-bot', '--roles', 'trigger']);
  assert.equal(created.code, 0, explain(created));
  const key = created.stdout.trim();
  assert.match(key, /^baton_[0-9a-f]{12}_[\w-]{43}$/);
  const id = key.split('_')[1]!;
  assert.match(created.stderr, new RegExp(`key ${id} for "ci-bot" \\(trigger\\): shown this once`));
  const listed = await baton(['keys', 'list']);
  assert.match(listed.stdout, new RegExp(`^${id} +ci-bot +trigger +\\S.* admin`, 'm'));
  // The secret is everything after `baton_<id>_` (it may itself hold underscores).
  assert.ok(!listed.stdout.includes(key.slice(`baton_${id}_`.length)), 'the list never shows a key');

  const mine = await baton(['run', 'slow-step', '--input', '{"seconds": 60}'], { token: key });
  assert.equal(mine.code, 0, explain(mine));
  const theirs = await baton(['run', 'slow-step', '--input', '{"seconds": 60}']);
  const denied = await baton(['runs', 'cancel', theirs.stdout.trim()], { token: key });
  assert.equal(denied.code, 2, explain(denied));
  assert.match(denied.stderr, /ci-bot may cancel only the runs it started; run "slow-step-\w+" was started by admin/);
  assert.equal((await baton(['runs', 'cancel', mine.stdout.trim()], { token: key })).code, 0, 'its own run');
  assert.equal((await baton(['runs', 'cancel', theirs.stdout.trim()])).code, 0, 'an admin cancels any run');
  const promote = await baton(['models', 'promote', 'any-model', '0123456789ab'], { token: key });
  assert.equal(promote.code, 2, explain(promote));
  assert.match(
    promote.stderr,
    /^baton: ci-bot \(roles: trigger\) may not POST .* it needs the role "admin": ask an admin for a key with that role/,
  );

  assert.equal((await baton(['keys', 'revoke', id])).code, 0);
  // Refused at once by the replica that revoked it, and by any other within its 5 s cache.
  let revoked = await baton(['runs', 'list'], { token: key });
  for (const deadline = Date.now() + 8000; revoked.code === 0 && Date.now() < deadline; )
    revoked = await baton(['runs', 'list'], { token: key });
  assert.equal(revoked.code, 2, explain(revoked));
  assert.match(
    revoked.stderr,
    /did not accept your credential.*set BATON_TOKEN to an API key \(an admin makes one with `baton keys create/,
  );
  assert.ok(!revoked.stderr.includes(key), 'the key is in no message');
});

test('a gateway URL with nothing listening exits 3 with the hint to start the stack', async () => {
  const nowhere = `http://127.0.0.1:${await allocatePort()}`;
  const result = await baton(['runs', 'list'], { gateway: nowhere });
  assert.equal(result.code, 3, explain(result));
  assert.equal(
    result.stderr.trim(),
    `baton: no Baton gateway at ${nowhere} (connection refused): start it with \`npm start\` (or set BATON_GATEWAY_URL / --gateway)`,
  );
});
