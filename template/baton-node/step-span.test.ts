import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createStepServer } from './server.ts';
import { TEST_STEP_KEY, signatureHeaders } from './testing.ts';
import { shutdownTracing, startTracing, tracingActive, tracingRequested } from './tracing.ts';
import { withS3Spans } from './s3-spans.ts';
import { startOtlpReceiver } from '../../test/support/otlp-receiver.ts';

// A real OTLP/HTTP export to a loopback receiver: the step span continues the caller's traceparent, and the S3
// calls the handler makes are its children.
const receiver = await startOtlpReceiver();
after(() => receiver.close());
await startTracing('doubler', {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '20',
});

/** Stands for the minio client: only the S3 calls' names and arguments matter here. */
const s3 = withS3Spans({
  async putObject(_bucket: string, _key: string) {
    return { etag: 'e' };
  },
});

const server = createStepServer(
  {
    async handle(input: { n: number }) {
      await s3.putObject('bucket-1', `runs/w/double/out-${input.n}.json`);
      if (input.n === 99) throw new Error('handler exploded with token sk-not-in-a-span');
      return { output: { doubled: input.n * 2 } };
    },
  },
  'doubler',
  { stepKey: TEST_STEP_KEY },
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const run = { workflowId: 'run-1', runId: 'temporal-run', pipeline: 'p', step: 'double', attempt: 2 };
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';

async function call(n: number, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ input: { n }, run });
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { ...signatureHeaders('doubler', body), 'X-Call-Id': `call-${n}`, ...headers },
  });
  await response.text();
  return response.status;
}

test('tracing is on only with an OTLP endpoint, and not when the SDK or the exporter is turned off', () => {
  assert.equal(tracingActive(), true);
  assert.equal(tracingRequested({}), false);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }), true);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), false);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), false);
});

test('a step call is a span "step <name>" under the caller\'s traceparent, its S3 calls children of it', async () => {
  assert.equal(await call(4, { traceparent: `00-${traceId}-${callerSpan}-01` }), 200);
  const step = await receiver.waitForSpan(`step`, (s) => s.attributes['faas.invocation_id'] === 'call-4');
  assert.equal(step.traceId, traceId);
  assert.equal(step.parentSpanId, callerSpan);
  assert.equal(step.service, 'doubler');
  assert.equal(step.kind, 2); // SERVER
  assert.deepEqual(step.attributes, {
    'baton.run.id': 'run-1',
    'baton.run.temporal_run_id': 'temporal-run',
    'baton.pipeline': 'p',
    'baton.step': 'double',
    'baton.attempt': 2,
    'faas.name': 'doubler',
    'faas.invocation_id': 'call-4',
    'http.response.status_code': 200,
  });
  const put = await receiver.waitForSpan(`put`, (s) => s.attributes['aws.s3.key'] === 'runs/w/double/out-4.json');
  assert.equal(put.name, 'S3.PutObject');
  assert.equal(put.parentSpanId, step.spanId);
  assert.equal(put.traceId, traceId);
  assert.equal(put.attributes['aws.s3.bucket'], 'bucket-1');
  assert.deepEqual(receiver.rejected, []);
});

test('a failed call marks its span as an error without the message, headers or body of the call', async () => {
  assert.equal(
    await call(99, { traceparent: `00-${traceId}-${callerSpan}-01`, authorization: 'Bearer sk-secret' }),
    500,
  );
  const step = await receiver.waitForSpan(`step`, (s) => s.attributes['faas.invocation_id'] === 'call-99');
  assert.equal(step.statusCode, 2); // ERROR
  assert.equal(step.attributes['http.response.status_code'], 500);
  assert.doesNotMatch(JSON.stringify(receiver.spans), /sk-secret|sk-not-in-a-span|x-baton-signature/i);
});

test('a call without traceparent starts its own trace', async () => {
  assert.equal(await call(5), 200);
  const step = await receiver.waitForSpan(`step`, (s) => s.attributes['faas.invocation_id'] === 'call-5');
  assert.notEqual(step.traceId, traceId);
  assert.equal(step.parentSpanId, undefined);
});

test('shutdown turns tracing off: later calls and S3 calls run without spans', async () => {
  await shutdownTracing();
  assert.equal(tracingActive(), false);
  const plain = { putObject: async () => ({ etag: 'e' }) };
  assert.equal(withS3Spans(plain), plain);
});
