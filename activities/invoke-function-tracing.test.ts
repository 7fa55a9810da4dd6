import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { z } from 'zod';
import type { Info } from '@temporalio/activity';
import { runInActivityContext } from '../test/support/activity-context.ts';
import { trace } from '@opentelemetry/api';
import { createInvokeFunction } from './invoke-function.ts';
import { defineStep } from '../workflows/step-definition.ts';
import { startTracing } from '../template/baton-node/tracing.ts';
import { startOtlpReceiver } from '../test/support/otlp-receiver.ts';

// The invoke activity continues the active trace (the RunActivity span of the Temporal interceptor in the worker)
// with a client span `call <function>`, and hands that span to the function as W3C traceparent.
const receiver = await startOtlpReceiver();
after(() => receiver.close());
await startTracing('baton', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '20' });

const seen: IncomingHttpHeaders[] = [];
const gateway = createServer((req, res) => {
  seen.push(req.headers);
  req
    .resume()
    .on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"output":{"ok":true}}'));
});
await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
const pool = new Agent();
after(() => Promise.all([pool.close(), new Promise((resolve) => gateway.close(resolve))]));

const step = defineStep({
  name: 'double',
  description: 'doubles',
  input: z.object({ n: z.number() }),
  output: z.object({ ok: z.boolean() }),
  preset: 'quick',
});
const invoke = createInvokeFunction({
  gatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
  steps: new Map([['double', step]]),
  dispatcher: pool,
  signingKey: 'signing-key-0123456789abcdef0123456789abcdef',
  maxAnswerBytes: 1 << 20,
});

/** Runs the activity as the worker would: in an activity context (a minimal one: no heartbeats matter here). */
function runActivity<T>(fn: () => Promise<T>): Promise<T> {
  const info = {
    activityId: 'double',
    attempt: 2,
    workflowExecution: { workflowId: 'run-1', runId: 'temporal-run' },
    startToCloseTimeoutMs: 60_000,
  } as Partial<Info>;
  return runInActivityContext(info, fn);
}

test('the call is a client span under the activity span, and the function gets it as traceparent', async () => {
  const tracer = trace.getTracer('test');
  const activitySpan = await tracer.startActiveSpan('RunActivity:invokeFunction', async (span) => {
    const result = await runActivity(() =>
      invoke({ step: 'double', function: 'doubler', pipeline: 'p', input: { n: 1 } }),
    );
    assert.deepEqual(result.output, { ok: true });
    span.end();
    return span.spanContext();
  });
  const callSpan = await receiver.waitForSpan('call doubler', (s) => s.name === 'call doubler');
  assert.equal(callSpan.traceId, activitySpan.traceId);
  assert.equal(callSpan.parentSpanId, activitySpan.spanId);
  assert.equal(callSpan.kind, 3); // CLIENT
  assert.deepEqual(callSpan.attributes, {
    'faas.invoked_name': 'doubler',
    'baton.step': 'double',
    'baton.pipeline': 'p',
    'baton.run.id': 'run-1',
    'baton.run.temporal_run_id': 'temporal-run',
    'baton.attempt': 2,
    'http.response.status_code': 200,
  });
  assert.equal(seen.at(-1)?.traceparent, `00-${callSpan.traceId}-${callSpan.spanId}-01`);
  // The signature and other headers stay out of every span.
  assert.doesNotMatch(JSON.stringify(receiver.spans), /x-baton-signature|signing-key/i);
});
