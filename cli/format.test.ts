import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureType } from '#baton-contract';
import type { RunView, StepView } from '../functions/baton/api/run-view.ts';
import {
  compareFields,
  comparison,
  formatDuration,
  formatTime,
  pipelineLines,
  runDetails,
  runsTable,
  shellQuote,
  stepLine,
  StepWatcher,
} from './format.ts';

const links = { self: 'http://gw/function/baton/runs/r1', temporalUi: 'http://ui/namespaces/default/workflows/r1' };

function view(steps: StepView[], overrides: Partial<RunView> = {}): RunView {
  return {
    runId: 'r1',
    workflowId: 'r1',
    pipeline: 'train-classifier',
    status: 'running',
    startedAt: '2026-01-01T00:00:00.000Z',
    steps,
    links,
    ...overrides,
  };
}

test('durations read as people say them', () => {
  assert.deepEqual([850, 1234, 59_940, 125_000, 3_720_000].map(formatDuration), [
    '850 ms',
    '1.2 s',
    '59.9 s',
    '2m 05s',
    '1h 02m',
  ]);
});

test('times print as YYYY-MM-DD hh:mm:ss in the chosen time zone', () => {
  assert.equal(formatTime('2026-01-01T12:00:03.456Z', 'UTC'), '2026-01-01 12:00:03');
  assert.equal(formatTime('2026-01-01T12:00:03Z', 'Europe/Paris'), '2026-01-01 13:00:03');
});

test('a step line has its mark, duration or state, attempt, and progress, metrics or error', () => {
  assert.equal(
    stepLine(
      {
        name: 'train',
        function: 'train',
        status: 'completed',
        attempt: 1,
        durationMs: 3400,
        metrics: { accuracy: 0.973684 },
      },
      6,
    ),
    '✓ train   3.4 s      attempt 1  accuracy=0.9737',
  );
  assert.equal(
    stepLine(
      { name: 'train', function: 'train', status: 'retrying', attempt: 2, error: 'function "train" failed (503)' },
      5,
    ),
    '↻ train  retrying   attempt 2  last error: function "train" failed (503)',
  );
  assert.equal(
    stepLine(
      {
        name: 'fit',
        function: 'train-epochs',
        status: 'running',
        attempt: 2,
        progress: { fraction: 0.4, epoch: 12, metrics: { loss: 0.25 }, resumedFromEpoch: 9 },
      },
      3,
    ),
    '… fit  running    attempt 2  epoch 12 · 40% · loss=0.25 · resumed after epoch 9',
  );
  assert.equal(
    stepLine(
      {
        name: 'bad',
        function: 'bad',
        status: 'failed',
        attempt: 1,
        durationMs: 120,
        error: 'output.dataset.rows: expected number',
      },
      3,
    ),
    '✗ bad  120 ms     attempt 1  failed  output.dataset.rows: expected number',
  );
  assert.equal(stepLine({ name: 'later', function: 'later', status: 'pending', attempt: 0 }, 5), '· later  pending');
});

test('following a run prints one line per step change, not one per poll', () => {
  const watcher = new StepWatcher();
  const ingest = (status: StepView['status'], extra: Partial<StepView> = {}): StepView => ({
    name: 'ingest',
    function: 'ingest',
    status,
    attempt: 1,
    ...extra,
  });
  const fit = (status: StepView['status'], extra: Partial<StepView> = {}): StepView => ({
    name: 'fit',
    function: 'train-epochs',
    status,
    attempt: 1,
    ...extra,
  });
  const polls = [
    [ingest('scheduled'), fit('pending')],
    [ingest('running'), fit('pending')], // scheduled → running is no change worth a line
    [ingest('completed', { durationMs: 200 }), fit('running')],
    [ingest('completed', { durationMs: 200 }), fit('running', { progress: { fraction: 0.1, epoch: 1 } })],
    [
      ingest('completed', { durationMs: 200 }),
      fit('running', { progress: { fraction: 0.1, epoch: 1, metrics: { loss: 0.5 } } }),
    ],
    [ingest('completed', { durationMs: 200 }), fit('retrying', { attempt: 2, error: 'heartbeat timeout' })],
    [ingest('completed', { durationMs: 200 }), fit('completed', { attempt: 2, durationMs: 65_000 })],
  ];
  const lines = polls.flatMap((steps) => watcher.changes(view(steps)));
  assert.deepEqual(lines, [
    '… ingest  scheduled  attempt 1',
    '✓ ingest  200 ms     attempt 1',
    '… fit     running    attempt 1',
    '… fit     running    attempt 1  epoch 1 · 10%',
    '↻ fit     retrying   attempt 2  last error: heartbeat timeout',
    '✓ fit     1m 05s     attempt 2',
  ]);
});

test('the runs table shows id, pipeline, status (with the current step), start, accuracy and model version', () => {
  const lines = runsTable(
    [
      {
        runId: 'train-classifier-2',
        pipeline: 'train-classifier',
        status: 'running',
        startedAt: '2026-01-01T00:01:00Z',
        step: 'train',
      },
      {
        runId: 'train-classifier-1',
        pipeline: 'train-classifier',
        status: 'completed',
        startedAt: '2026-01-01T00:00:00Z',
        accuracy: 0.9824561,
        modelVersion: 'v1',
      },
      { runId: 'slow-1', pipeline: 'slow-step', status: 'timed_out', startedAt: '2026-01-01T00:00:00Z' },
    ],
    'UTC',
  );
  assert.deepEqual(lines, [
    'RUN ID              PIPELINE          STATUS           STARTED              ACCURACY  MODEL VERSION',
    'train-classifier-2  train-classifier  running (train)  2026-01-01 00:01:00  -         -',
    'train-classifier-1  train-classifier  completed        2026-01-01 00:00:00  0.9825    v1',
    'slow-1              slow-step         timed out        2026-01-01 00:00:00  -         -',
  ]);
});

test('runs show: header, step timeline, result or error, links', () => {
  const lines = runDetails(
    view(
      [
        {
          name: 'bad-output',
          function: 'bad-output',
          status: 'failed',
          attempt: 1,
          durationMs: 220,
          error: 'output.dataset.rows: expected number',
        },
      ],
      {
        pipeline: 'bad-output',
        status: 'failed',
        closedAt: '2026-01-01T00:00:01.500Z',
        error: { message: 'function "bad-output" returned an invalid output', type: FailureType.InvalidStepOutput },
      },
    ),
    'UTC',
  );
  assert.deepEqual(lines, [
    'run       r1',
    'pipeline  bad-output',
    'status    failed',
    'started   2026-01-01 00:00:00',
    'closed    2026-01-01 00:00:01 (1.5 s)',
    '',
    'steps',
    '  ✗ bad-output  220 ms     attempt 1  failed  output.dataset.rows: expected number',
    '',
    'error (InvalidStepOutput)',
    '  function "bad-output" returned an invalid output',
    '',
    'API          http://gw/function/baton/runs/r1',
    'Temporal UI  http://ui/namespaces/default/workflows/r1',
  ]);
  assert.deepEqual(runDetails(view([], { status: 'completed', result: { calls: 1 } }), 'UTC').slice(6, 11), [
    '',
    'result',
    '  {',
    '    "calls": 1',
    '  }',
  ]);
});

test('fields compare by dotted path, nested objects walked together, arrays whole', () => {
  const a = { dataset: 'wine', model: { type: 'rf', params: {} }, features: [1, 2], seed: 1 };
  const b = {
    dataset: 'iris',
    model: { type: 'rf', params: { n_estimators: 50 } },
    features: [1, 2],
    extra: true,
    seed: 1,
  };
  assert.deepEqual(compareFields(a, b), [
    { path: 'dataset', a: 'wine', b: 'iris', differs: true },
    { path: 'model.type', a: 'rf', b: 'rf', differs: false },
    { path: 'model.params.n_estimators', a: undefined, b: 50, differs: true },
    { path: 'features', a: [1, 2], b: [1, 2], differs: false },
    { path: 'seed', a: 1, b: 1, differs: false },
    { path: 'extra', a: undefined, b: true, differs: true },
  ]);
  assert.deepEqual(compareFields({ params: {} }, { params: {} }), [{ path: 'params', a: {}, b: {}, differs: false }]);
  assert.deepEqual(compareFields({ x: { y: 1 } }, { x: 'flat' }), [
    { path: 'x', a: { y: 1 }, b: 'flat', differs: true },
  ]);
});

test('runs compare puts input and metrics side by side and marks each difference', () => {
  const a = view([], {
    runId: 'a',
    status: 'completed',
    input: { dataset: 'wine', split: { seed: 42 } },
    metrics: { accuracy: 0.98 },
  });
  const b = view([], {
    runId: 'b',
    status: 'completed',
    input: { dataset: 'iris', split: { seed: 42 } },
    result: { metrics: { accuracy: 0.9 } },
  });
  assert.deepEqual(comparison(a, b), [
    '   run           a                 b',
    '   pipeline      train-classifier  train-classifier',
    '   status        completed         completed',
    '   input',
    '≠    dataset     wine              iris',
    '     split.seed  42                42',
    '   metrics',
    '≠    accuracy    0.98              0.9',
    '',
    '1 difference in input, 1 difference in metrics',
  ]);
  const unrecorded = comparison(view([], { runId: 'a' }), view([], { runId: 'b' }));
  assert.ok(
    unrecorded.some((line) => /^ {3}input +\(not recorded\) +\(not recorded\)$/.test(line)),
    unrecorded.join('\n'),
  );
});

test('pipelines list their steps and each example as a command to paste', () => {
  assert.deepEqual(
    pipelineLines(
      {
        name: 'train-classifier',
        description: 'Trains.',
        inputSchema: {},
        examples: { default: {}, wine: { dataset: 'wine', modelName: "o'brien" } },
        steps: [
          { name: 'ingest', function: 'ingest', description: '' },
          { name: 'train', function: 'train', description: '' },
        ],
      },
      0,
    ),
    [
      'train-classifier  Trains.',
      '  steps     ingest → train',
      '  examples  default  baton run train-classifier',
      `            wine     baton run train-classifier --input '{"dataset":"wine","modelName":"o'\\''brien"}'`,
    ],
  );
  assert.equal(shellQuote('train-classifier'), 'train-classifier');
});
