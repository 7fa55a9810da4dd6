/**
 * Progress reports, keep-alive, cancellation and checkpoints of the baton-node wrapper, against a real node:http
 * server standing in for the orchestrator and an in-memory checkpoint store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStepServer, type StepServerOptions } from './server.ts';
import { createStepCall, type StepContext } from './step-context.ts';
import { StepCancelledError, progressIntervalFromEnv, safeUrl } from './progress.ts';
import {
  TEST_STEP_KEY,
  memoryCheckpointStore,
  signatureHeaders,
  startProgressServer,
  type ProgressServer,
} from './testing.ts';
import { StepErrorType, progressReport, type ProgressReport } from './step-contract.ts';
import { reportSignatureProblem } from './step-signature.ts';

const run = { workflowId: 'wf-1', runId: 'r-1', pipeline: 'demo', step: 'fit', attempt: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Handle = (input: unknown, ctx: StepContext) => Promise<{ output: unknown }>;

/** Runs one envelope through a real wrapper server; returns the status and body. */
async function call(handle: Handle, envelope: Record<string, unknown>, options: Partial<StepServerOptions> = {}) {
  const server = createStepServer({ handle }, 'demo', {
    stepKey: TEST_STEP_KEY,
    checkpointStore: () => memoryCheckpointStore(),
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const body = JSON.stringify({ input: {}, run, ...envelope });
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      method: 'POST',
      body,
      headers: { 'X-Call-Id': 'call-7', ...signatureHeaders('demo', body) },
    });
    return {
      status: response.status,
      json: (await response.json()) as { output?: unknown; error?: { message: string; type: string } },
    };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function withProgress<T>(
  fn: (server: ProgressServer) => Promise<T>,
  answer?: Parameters<typeof startProgressServer>[0],
): Promise<T> {
  const server = await startProgressServer(answer);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/** Captures console.log lines while `fn` runs. */
async function captureLog<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
  };
  try {
    return { result: await fn(), lines };
  } finally {
    console.log = original;
  }
}

function assertValid(reports: ProgressReport[]) {
  for (const report of reports) assert.ok(progressReport.strict().safeParse(report).success, JSON.stringify(report));
}

test('reports reach the progressUrl with the right JSON and headers', async () => {
  await withProgress(async (orchestrator) => {
    const { status, json } = await call(
      async (_input, ctx) => {
        await ctx.progress({
          fraction: 0.5,
          metrics: { loss: 0.25, accuracy: 0.9 },
          epoch: 1,
          message: 'epoch 1 done',
        });
        await ctx.progress({ fraction: 1, epoch: 2 });
        return { output: 'ok' };
      },
      { progressUrl: orchestrator.url },
    );
    assert.equal(status, 200);
    assert.deepEqual(json, { output: 'ok' });
    assert.deepEqual(orchestrator.reports, [
      { fraction: 0 },
      { fraction: 0.5, epoch: 1, metrics: { loss: 0.25, accuracy: 0.9 }, message: 'epoch 1 done' },
      { fraction: 1, epoch: 2, metrics: { loss: 0.25, accuracy: 0.9 } },
    ]);
    assertValid(orchestrator.reports);
    const first = orchestrator.requests[0]!;
    assert.ok(first.path.endsWith(orchestrator.token));
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['x-call-id'], 'call-7');
    // Each report is signed by the function with its step key, for exactly this run and body.
    for (const request of orchestrator.requests) {
      const signature = request.headers['x-baton-signature'] as string | undefined;
      assert.equal(
        reportSignatureProblem(signature, { fn: 'demo', run }, request.body, TEST_STEP_KEY, 'progress'),
        undefined,
      );
      assert.match(
        reportSignatureProblem(
          signature,
          { fn: 'demo', run: { ...run, attempt: 2 } },
          request.body,
          TEST_STEP_KEY,
          'progress',
        )!,
        /does not match/,
      );
      assert.match(
        reportSignatureProblem(signature, { fn: 'demo', run, status: 200 }, request.body, TEST_STEP_KEY, 'answer')!,
        /does not match/,
        "a report's signature is no answer's",
      );
    }
  });
});

test('the keep-alive repeats the last report and stops with the handler', async () => {
  await withProgress(async (orchestrator) => {
    const { status } = await call(
      async (_input, ctx) => {
        await ctx.progress({ fraction: 0.25, epoch: 1 });
        await sleep(500);
        return { output: null };
      },
      { progressUrl: orchestrator.url },
      { progressIntervalSeconds: 0.05 },
    );
    assert.equal(status, 200);
    const count = orchestrator.reports.length;
    const repeats = orchestrator.reports.slice(1);
    assert.ok(repeats.length >= 4, JSON.stringify(repeats));
    assert.ok(repeats.every((report) => JSON.stringify(report) === JSON.stringify({ fraction: 0.25, epoch: 1 })));
    await sleep(200);
    assert.equal(orchestrator.reports.length, count, 'no report after the answer');
  });
});

for (const [name, answer] of [
  ['409', { status: 409, body: { error: { message: 'stale attempt' } } }],
  ['cancelRequested', { status: 200, body: { cancelRequested: true } }],
] as const) {
  test(`${name} stops the handler and the wrapper answers 409`, async () => {
    const reached: string[] = [];
    await withProgress(
      async (orchestrator) => {
        const { status, json } = await call(
          async (_input, ctx) => {
            await ctx.progress({ fraction: 0.1, epoch: 1 });
            reached.push('after first');
            await ctx.progress({ fraction: 0.2, epoch: 2 });
            reached.push('after second');
            return { output: null };
          },
          { progressUrl: orchestrator.url },
        );
        assert.equal(status, 409);
        assert.equal(json.error?.type, StepErrorType.Cancelled);
        assert.match(json.error?.message ?? '', /step fit stopped/);
      },
      (report) => (report.epoch === 2 ? answer : { status: 200, body: { cancelRequested: false } }),
    );
    assert.deepEqual(reached, ['after first']);
  });
}

test('after a cancel every later progress and checkpoint save throws, without sending', async () => {
  await withProgress(
    async (orchestrator) => {
      const store = memoryCheckpointStore();
      const { context: ctx } = createStepCall(run, 'c', {
        progressUrl: orchestrator.url,
        checkpointStore: () => store,
      });
      await ctx.progress({ fraction: 0.1 });
      assert.equal(ctx.cancelRequested, false);
      await assert.rejects(ctx.progress({ fraction: 0.5 }), StepCancelledError);
      const sent = orchestrator.reports.length;
      await assert.rejects(ctx.progress({ fraction: 0.6 }), StepCancelledError);
      await assert.rejects(ctx.checkpoint.save({ w: 1 }, { epoch: 3 }), StepCancelledError);
      assert.throws(() => ctx.throwIfCancelled(), StepCancelledError);
      assert.equal(ctx.cancelRequested, true);
      assert.equal(orchestrator.reports.length, sent);
      assert.deepEqual(store.puts, []);
    },
    (report) => ({ status: 200, body: { cancelRequested: report.fraction >= 0.5 } }),
  );
});

test('a cancel heard by the keep-alive surfaces at the next progress call', async () => {
  await withProgress(
    async (orchestrator) => {
      const { status } = await call(
        async (_input, ctx) => {
          const deadline = Date.now() + 5000;
          while (!ctx.cancelRequested && Date.now() < deadline) await sleep(10);
          await ctx.progress({ fraction: 0.9 });
          return { output: 'not reached' };
        },
        { progressUrl: orchestrator.url },
        { progressIntervalSeconds: 0.05 },
      );
      assert.equal(status, 409);
    },
    (_report, index) => ({ status: 200, body: { cancelRequested: index > 0 } }),
  );
});

test('a stale attempt is refused before the handler runs', async () => {
  let ran = false;
  await withProgress(
    async (orchestrator) => {
      const { status } = await call(
        async () => {
          ran = true;
          return { output: null };
        },
        { progressUrl: orchestrator.url },
      );
      assert.equal(status, 409);
      assert.equal(orchestrator.reports.length, 1);
    },
    () => ({ status: 409, body: {} }),
  );
  assert.equal(ran, false);
});

test('a cancellation wrapped in another error is still a 409', async () => {
  await withProgress(
    async (orchestrator) => {
      const { status, json } = await call(
        async (_input, ctx) => {
          try {
            await ctx.progress({ fraction: 0.5 });
          } catch (error) {
            throw new Error('training aborted', { cause: error });
          }
          return { output: null };
        },
        { progressUrl: orchestrator.url },
      );
      assert.equal(status, 409);
      assert.equal(json.error?.type, StepErrorType.Cancelled);
    },
    (report) => ({ status: 200, body: { cancelRequested: report.fraction > 0 } }),
  );
});

for (const status of [500, 503, 401]) {
  test(`an orchestrator answering ${status} does not fail the handler`, async () => {
    await withProgress(
      async (orchestrator) => {
        const { result, lines } = await captureLog(() =>
          call(
            async (_input, ctx) => {
              await ctx.progress({ fraction: 0.5 });
              await ctx.checkpoint.save(Buffer.from('state'), { epoch: 1 });
              return { output: 'done' };
            },
            { progressUrl: orchestrator.url },
          ),
        );
        assert.equal(result.status, 200);
        assert.equal(orchestrator.reports.length, 3);
        assert.ok(lines.some((line) => line.includes(`HTTP ${status}`)));
        assert.ok(!lines.join('\n').includes(orchestrator.token));
      },
      () => ({ status, body: { error: { message: 'boom' } } }),
    );
  });
}

test('the orchestrator being down does not fail the handler, and the token is never logged', async () => {
  // A port nobody listens on.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const url = `http://127.0.0.1:${port}/function/baton/progress/tok-VERY-SECRET-9876?sig=abcdef`;
  const { result, lines } = await captureLog(() =>
    call(
      async (_input, ctx) => {
        for (let epoch = 1; epoch <= 3; epoch += 1)
          await ctx.progress({ fraction: epoch / 3, epoch, metrics: { loss: 1 / epoch } });
        const ref = await ctx.checkpoint.save(Buffer.from('state'), { epoch: 3 });
        await sleep(150);
        return { output: ref.uri };
      },
      { progressUrl: url },
      { progressIntervalSeconds: 0.05 },
    ),
  );
  assert.equal(result.status, 200);
  assert.deepEqual(result.json, { output: 's3://baton-test/runs/wf-1/fit/checkpoints/epoch-3.bin' });
  const logged = lines.join('\n');
  assert.match(logged, /progress report to http:\/\/127\.0\.0\.1:\d+\/function\/baton\/progress\/\*\*\* failed/);
  assert.ok(!logged.includes('tok-VERY-SECRET-9876') && !logged.includes('abcdef'), logged);
});

test('a synchronous call only logs once, and checkpoints are still stored', async () => {
  const store = memoryCheckpointStore();
  const { result, lines } = await captureLog(() =>
    call(
      async (_input, ctx) => {
        await ctx.progress({ fraction: 0.5 });
        await ctx.progress({ fraction: 1 });
        return { output: (await ctx.checkpoint.save({ a: 1 }, { epoch: 0 })).uri };
      },
      {},
      { checkpointStore: () => store },
    ),
  );
  assert.equal(result.status, 200);
  assert.deepEqual(store.puts, ['runs/wf-1/fit/checkpoints/epoch-0.json']);
  assert.equal(lines.filter((line) => line.includes('no progressUrl')).length, 1);
});

test('checkpoint save reports at once (keeping fraction and metrics); load round-trips with a sha256 check', async () => {
  await withProgress(async (orchestrator) => {
    const store = memoryCheckpointStore();
    const first = createStepCall(run, 'c-1', { progressUrl: orchestrator.url, checkpointStore: () => store });
    await first.start();
    assert.equal(await first.context.checkpoint.load(), undefined);
    assert.equal(first.context.checkpoint.epoch, undefined);
    await first.context.progress({ fraction: 0.4, metrics: { loss: 0.5 }, epoch: 2 });
    const state = Buffer.from(JSON.stringify({ w: [1, 2, 3] }));
    const ref = await first.context.checkpoint.save(state, { epoch: 2, ext: 'json' });
    const jsonRef = await first.context.checkpoint.save({ w: [1, 2, 3] }, { epoch: 3 });
    await first.close();
    assert.equal(ref.uri, 's3://baton-test/runs/wf-1/fit/checkpoints/epoch-2.json');
    assert.equal(jsonRef.uri, 's3://baton-test/runs/wf-1/fit/checkpoints/epoch-3.json');
    assert.equal(first.context.checkpoint.latest, jsonRef);
    assert.deepEqual(orchestrator.reports, [
      { fraction: 0 },
      { fraction: 0.4, epoch: 2, metrics: { loss: 0.5 } },
      { fraction: 0.4, epoch: 2, metrics: { loss: 0.5 }, checkpoint: ref },
      { fraction: 0.4, epoch: 3, metrics: { loss: 0.5 }, checkpoint: jsonRef },
    ]);

    // The next attempt's envelope carries the newest checkpoint; its first report still names it.
    const second = createStepCall({ ...run, attempt: 2 }, 'c-2', {
      progressUrl: orchestrator.url,
      checkpointStore: () => store,
      checkpoint: ref,
    });
    await second.start();
    assert.deepEqual(await second.context.checkpoint.load(), state);
    assert.equal(second.context.checkpoint.epoch, 2);
    await second.context.resumedFromEpoch(2);
    await second.context.progress({ fraction: 0.6, epoch: 3 });
    await second.close();
    assert.deepEqual(orchestrator.reports.slice(4), [
      { fraction: 0, checkpoint: ref },
      { fraction: 0, checkpoint: ref, resumedFromEpoch: 2 },
      { fraction: 0.6, epoch: 3, checkpoint: ref, resumedFromEpoch: 2 },
    ]);
    assertValid(orchestrator.reports);

    // A checkpoint changed behind its reference is refused.
    store.objects.set('runs/wf-1/fit/checkpoints/epoch-2.json', Buffer.from('tampered'));
    const third = createStepCall({ ...run, attempt: 3 }, 'c-3', { checkpointStore: () => store, checkpoint: ref });
    await assert.rejects(third.context.checkpoint.load(), /epoch-2\.json does not match its reference/);
    // ...also when the store itself does not check.
    const lax = { putBytes: store.putBytes, getBytes: async () => Buffer.from('tampered') };
    await assert.rejects(
      createStepCall(run, 'c-4', { checkpointStore: () => lax, checkpoint: ref }).context.checkpoint.load(),
      /sha256/,
    );
  });
});

test('bad arguments are refused', async () => {
  await withProgress(async (orchestrator) => {
    const { context: ctx } = createStepCall(run, 'c', {
      progressUrl: orchestrator.url,
      checkpointStore: () => memoryCheckpointStore(),
    });
    await assert.rejects(ctx.checkpoint.save(Buffer.from('x'), { epoch: 1, ext: 'pkl' }), /pickle/);
    await assert.rejects(ctx.checkpoint.save(Buffer.from('x'), { epoch: -1 }), RangeError);
    await assert.rejects(ctx.checkpoint.save(Buffer.from('x'), { epoch: 1, ext: '../x' }), RangeError);
    await assert.rejects(ctx.progress({ fraction: 1.5 }), RangeError);
    await assert.rejects(ctx.progress({ fraction: Number.NaN }), RangeError);
    await assert.rejects(ctx.progress({ fraction: 0.5, epoch: 1.5 }), RangeError);
    await assert.rejects(ctx.resumedFromEpoch(-2), RangeError);
  });
});

test('BATON_PROGRESS_INTERVAL is read with the key named in errors; safeUrl hides the token', () => {
  assert.equal(progressIntervalFromEnv({}), 5);
  assert.equal(progressIntervalFromEnv({ BATON_PROGRESS_INTERVAL: '0.5' }), 0.5);
  for (const bad of ['x', '0', '-1', '99999'])
    assert.throws(() => progressIntervalFromEnv({ BATON_PROGRESS_INTERVAL: bad }), /BATON_PROGRESS_INTERVAL/);
  assert.equal(
    safeUrl('http://gw:8080/function/baton/progress/abc.def?x=1'),
    'http://gw:8080/function/baton/progress/***',
  );
  assert.equal(safeUrl('https://user:pw@host/t0ken'), 'https://host/***');
});
