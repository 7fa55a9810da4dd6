import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { StepInputError, type ArtifactRef, type StepContext } from '#baton-step';
import { handle, loadCurve, temporalUiLink } from './handler.ts';
import { reportInput, type ReportInput } from './schema.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An artifact store in memory that records content types and checks references on reads. */
function fakeStore() {
  const objects = new Map<string, { bytes: Buffer; contentType: string }>();
  return {
    objects,
    async putBytes(key: string, bytes: Buffer, contentType = 'application/octet-stream'): Promise<ArtifactRef> {
      objects.set(key, { bytes, contentType });
      return { uri: `s3://baton-test/${key}`, sha256: sha256(bytes), size: bytes.length };
    },
    putJson(key: string, value: unknown): Promise<ArtifactRef> {
      return this.putBytes(key, Buffer.from(JSON.stringify(value)), 'application/json');
    },
    async getBytes(ref: ArtifactRef): Promise<Buffer> {
      const found = objects.get(ref.uri.replace('s3://baton-test/', ''));
      if (!found) throw Object.assign(new Error('The specified key does not exist.'), { code: 'NoSuchKey' });
      if (found.bytes.length !== ref.size || sha256(found.bytes) !== ref.sha256)
        throw new Error(`artifact ${ref.uri} does not match its reference (size or sha256 differ)`);
      return found.bytes;
    },
  };
}

function fakeContext(store: ReturnType<typeof fakeStore>, workflowId = 'run-1'): StepContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    run: { workflowId, runId: 'temporal-run', pipeline: 'train-classifier-resumable', step: 'report', attempt: 1 },
    callId: 'call',
    artifacts: () => store,
    runKey: (name: string) => `runs/${workflowId}/report/${name}`,
    log: (line: string) => lines.push(line),
    lines,
  } as unknown as StepContext & { lines: string[] };
}

const request = (overrides: Partial<ReportInput> = {}) =>
  reportInput.parse({
    pipeline: 'train-classifier-resumable',
    runId: 'run-1',
    parameters: { epochs: 4 },
    dataset: {
      name: 'breast_cancer',
      version: '0123456789ab',
      uri: 's3://baton-test/datasets/breast_cancer/0123456789ab/data.csv',
    },
    model: {
      name: 'classifier-sgd',
      version: 'ba9876543210',
      uri: 's3://baton-test/models/classifier-sgd/ba9876543210/model.skops',
      type: 'sgd_classifier',
      params: {},
    },
    evaluation: {
      metrics: { accuracy: 0.97 },
      confusionMatrix: [
        [40, 2],
        [1, 71],
      ],
      labels: [0, 1],
    },
    temporalUiPath: '/namespaces/default/workflows/run-1',
    ...overrides,
  });

test("the report is rendered from the curve artifact and stored as text/html under the run's report key", async () => {
  const store = fakeStore();
  const curve = await store.putJson(
    'runs/run-1/train-epochs/curve.json',
    [1, 2, 3, 4].map((epoch) => ({ epoch, loss: 1 / epoch, accuracy: 0.9 })),
  );
  const ctx = fakeContext(store);
  const result = await handle(request({ curve }), ctx);
  assert.equal(result.output.report.uri, 's3://baton-test/runs/run-1/report/report.html');
  const stored = store.objects.get('runs/run-1/report/report.html')!;
  assert.equal(stored.contentType, 'text/html; charset=utf-8');
  assert.equal(result.output.report.size, stored.bytes.length);
  const page = stored.bytes.toString('utf8');
  assert.equal(page.match(/<circle class="point" data-series="loss"/g)?.length, 4);
  assert.match(page, /run-1/);
  assert.deepEqual(result.metrics, { reportBytes: stored.bytes.length, curvePoints: 4 });
  assert.match(
    ctx.lines[0]!,
    /report of train-classifier-resumable run run-1: s3:\/\/baton-test\/runs\/run-1\/report\/report.html \(\d+ bytes, 4 epochs\)/,
  );
});

test('without a curve the report notes a one-fit estimator; a retry overwrites the same key', async () => {
  const store = fakeStore();
  await handle(request(), fakeContext(store));
  await handle(request(), fakeContext(store));
  assert.deepEqual([...store.objects.keys()], ['runs/run-1/report/report.html']);
  assert.match(store.objects.get('runs/run-1/report/report.html')!.bytes.toString('utf8'), /trains in one fit/);
});

test('a curve that is missing, altered or not a curve is an input error naming the field', async () => {
  const store = fakeStore();
  const good = await store.putJson('c/good.json', [{ epoch: 1, loss: 0.5, accuracy: null }]);
  assert.deepEqual(await loadCurve(store, good), [{ epoch: 1, loss: 0.5, accuracy: null }]);
  const notCurve = await store.putJson('c/bad.json', [{ epoch: 1, loss: 'high' }]);
  const notJson = await store.putBytes('c/text.json', Buffer.from('NaN'));
  const missing = { ...good, uri: 's3://baton-test/c/missing.json' };
  const altered = { ...good, sha256: 'b'.repeat(64) };
  for (const [ref, message] of [
    [notCurve, /is not a list of \{epoch, loss, accuracy\} \(at 0.loss\)/],
    [notJson, /is not JSON/],
    [missing, /does not exist/],
    [altered, /does not match its reference/],
  ] as const) {
    await assert.rejects(
      loadCurve(store, ref),
      (error: unknown) =>
        error instanceof StepInputError && message.test(error.message) && error.issues[0]?.path === 'curve',
    );
  }
  // Anything else (the store unreachable) is not the caller's fault: it stays a plain error, retried.
  const down = {
    getBytes: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  };
  await assert.rejects(loadCurve(down, good), (error: unknown) => !(error instanceof StepInputError));
});

test("the Temporal UI link: absolute as given, a path under TEMPORAL_UI_URL, else the run's page there", () => {
  const env = { TEMPORAL_UI_URL: 'http://127.0.0.1:8233/' };
  assert.equal(
    temporalUiLink('https://ui.example/namespaces/x/workflows/r', 'r', env),
    'https://ui.example/namespaces/x/workflows/r',
  );
  assert.equal(
    temporalUiLink('/namespaces/default/workflows/r', 'r', env),
    'http://127.0.0.1:8233/namespaces/default/workflows/r',
  );
  assert.equal(temporalUiLink('/namespaces/default/workflows/r', 'r', {}), '/namespaces/default/workflows/r');
  assert.equal(
    temporalUiLink(undefined, 'r/1', { ...env, TEMPORAL_NAMESPACE: 'ml' }),
    'http://127.0.0.1:8233/namespaces/ml/workflows/r%2F1',
  );
  assert.equal(temporalUiLink(undefined, 'r', {}), undefined);
});

test("the data checks, the promotion and production's scores reach the stored page; without them the request still parses", async () => {
  const store = fakeStore();
  await handle(
    request({
      evaluation: {
        metrics: { accuracy: 0.97 },
        confusionMatrix: [
          [40, 2],
          [1, 71],
        ],
        labels: [0, 1],
        production: { version: 'aaaaaaaaaaaa', metrics: { accuracy: 0.95 } },
      },
      validation: {
        status: 'warned',
        issues: [
          { check: 'missing', column: 'age', severity: 'warning', message: '2% missing', value: 0.02, limit: 0 },
        ],
        report: {
          uri: 's3://baton-test/runs/run-1/validate-dataset/validation-report.json',
          sha256: 'a'.repeat(64),
          size: 10,
        },
      },
      promotion: {
        promoted: true,
        modelName: 'classifier-sgd',
        version: 'ba9876543210',
        reasons: ['accuracy 0.9700 reaches the minimum 0.8000'],
        previousProduction: 'aaaaaaaaaaaa',
      },
    }),
    fakeContext(store),
  );
  const page = store.objects.get('runs/run-1/report/report.html')!.bytes.toString('utf8');
  assert.match(page, /<span class="badge warn">warned<\/span> 1 issue/);
  assert.match(page, /<td><code>age<\/code><\/td><td>2% missing<\/td>/);
  assert.match(page, /<strong>classifier-sgd@ba9876543210<\/strong> was promoted to production/);
  assert.match(page, /It replaced version <code>aaaaaaaaaaaa<\/code>/);
  assert.match(
    page,
    /<td>accuracy<\/td><td class="num">0.97<\/td><td class="num">0.95<\/td><td class="num">\+0.02<\/td>/,
  );
  const old = request();
  assert.equal(old.validation, undefined);
  assert.equal(old.promotion, undefined);
});
