import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { z } from 'zod';
import type { Info } from '@temporalio/activity';
import { runInActivityContext } from '../test/support/activity-context.ts';
import { CALL_ID_HEADER } from '#baton-contract';
import { createInvokeFunction } from './invoke-function.ts';
import { defineStep } from '../workflows/step-definition.ts';

// A step declared `local` runs as a local activity, whose activity id is a sequence number: the call id the workflow
// passes names the step in the envelope and in X-Call-Id instead, so both stay stable and readable.
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
const gateway = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"output":{"ok":true}}');
  });
});
await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
const pool = new Agent();
after(() => Promise.all([pool.close(), new Promise((resolve) => gateway.close(resolve))]));

const step = defineStep({
  name: 'check',
  description: 'checks',
  input: z.object({}),
  output: z.object({ ok: z.boolean() }),
  preset: 'quick',
  local: true,
});
const invoke = createInvokeFunction({
  gatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
  steps: new Map([['check', step]]),
  dispatcher: pool,
  signingKey: 'signing-key-0123456789abcdef0123456789abcdef',
  maxAnswerBytes: 1 << 20,
});

function runActivity<T>(isLocal: boolean, fn: () => Promise<T>): Promise<T> {
  const info = {
    activityId: isLocal ? '7' : 'check#2',
    isLocal,
    attempt: 1,
    workflowExecution: { workflowId: 'run-1', runId: 'temporal-run' },
    startToCloseTimeoutMs: 60_000,
  } as Partial<Info>;
  return runInActivityContext(info, fn);
}

const call = { step: 'check', function: 'check', pipeline: 'p', input: {}, callId: 'check#2' };

test('a local call is named by its call id, not its sequence number', async () => {
  const result = await runActivity(true, () => invoke(call));
  assert.equal(result.callId, 'check#2', 'its history marker has no step name: the result carries it');
  const { headers, body } = seen.at(-1)!;
  assert.equal(headers[CALL_ID_HEADER.toLowerCase()], 'run-1:check#2:1');
  assert.equal((JSON.parse(body) as { run: { step: string } }).run.step, 'check#2');
});

test('an ordinary activity keeps its own activity id', async () => {
  const result = await runActivity(false, () => invoke({ ...call, callId: 'ignored' }));
  assert.equal(result.callId, undefined);
  assert.equal(seen.at(-1)!.headers[CALL_ID_HEADER.toLowerCase()], 'run-1:check#2:1');
});
