/**
 * Encrypted payloads on the real local stack: a run's input, step inputs and outputs, results and memo reach
 * Temporal's database as ciphertext (a canary string in the input is nowhere in the dev server's SQLite file), while
 * the API, a client with the stack's key, and the codec server behind the gateway still read them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { ENCRYPTED_ENCODING } from '../../functions/baton/codec/encryption-codec.ts';
import { payloadToJson, type PayloadJson } from '../../functions/baton/codec/payload-json.ts';
import { connectTemporal } from '../support/temporal-client.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stopTestStack(stack));

/** Whether `text` is anywhere in the Temporal dev server's SQLite database: its file and its write-ahead log. */
async function inTemporalDatabase(text: string): Promise<boolean> {
  const files = ['temporal.db', 'temporal.db-wal'].map((name) => join(stack.dataDir, name));
  const contents = await Promise.all(files.map((file) => readFile(file).catch(() => Buffer.alloc(0))));
  assert.ok(contents[0]!.length > 0, 'the database file exists');
  return contents.some((bytes) => bytes.includes(text));
}

test("a run's payloads are ciphertext in Temporal's database, and read fine through the API and the codec server", async () => {
  const canary = `canary-${randomBytes(6).toString('hex')}`;
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input: { modelName: canary } });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error ?? view.steps));

  // The API decodes history, result and memo with the orchestrator's key.
  assert.equal((view.input as { modelName: string }).modelName, canary, "the memo's input");
  assert.match((view.result as { model: { uri: string } }).model.uri, new RegExp(`/models/${canary}/`), 'the result');
  assert.ok(
    view.steps.some((step) => step.name === 'evaluate' && step.metrics && Object.keys(step.metrics).length > 0),
    'step outputs (metrics)',
  );

  // Control: a payload written without the codec lands in the same database in plain text, so the scan would see one.
  const control = `control-${randomBytes(6).toString('hex')}`;
  const plainConnection = await Connection.connect({ address: stack.temporalAddress });
  const { client, connection } = await connectTemporal(stack);
  try {
    const plain = new Client({ connection: plainConnection });
    await plain.workflow.start('flakyStep', {
      taskQueue: 'baton-pipelines',
      workflowId: `codec-control-${control}`,
      args: [{ failures: 0 }],
      memo: { control },
    });
    assert.deepEqual(
      await client.workflow.getHandle(`codec-control-${control}`).result(),
      { calls: 1 },
      'the worker reads plain input and encrypts its result',
    );

    assert.equal(
      await inTemporalDatabase(control),
      true,
      'the unencrypted control memo is in the database in plain text',
    );
    assert.equal(
      await inTemporalDatabase(canary),
      false,
      'the canary (input, memo, step inputs and outputs, result) is not',
    );

    // What Temporal hands any client without the key: ciphertext labelled with the key id.
    const history = await plain.workflow.getHandle(run.runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = started?.input?.payloads?.[0];
    assert.equal(Buffer.from(input?.metadata?.[METADATA_ENCODING_KEY] ?? []).toString(), ENCRYPTED_ENCODING);
    assert.match(
      Buffer.from(input?.metadata?.['encryption-key-id'] ?? []).toString(),
      /^local-\d{4}-\d{2}-\d{2}$/,
      'the key the local stack generated',
    );
    assert.equal(
      (await stat(join(stack.secrets.dir, 'baton-codec-keys'))).mode & 0o777,
      0o600,
      'the key file is private',
    );
    await assert.rejects(
      plain.workflow.getHandle(run.runId).result(),
      /encoding|binary\/encrypted/i,
      'a client without the key cannot read the result',
    );
    // A client with the stack's key reads it.
    assert.match(JSON.stringify(await client.workflow.getHandle(run.runId).result()), new RegExp(canary));

    // The codec server, through the gateway as the Temporal UI calls it (its origin allowed by the local stack).
    const decoded = await fetch(`${stack.gatewayUrl}/function/baton/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: stack.temporalUiUrl },
      body: JSON.stringify({ payloads: [payloadToJson(input!)] }),
    });
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), stack.temporalUiUrl);
    const { payloads } = (await decoded.json()) as { payloads: PayloadJson[] };
    assert.match(Buffer.from(payloads[0]!.data ?? '', 'base64').toString(), new RegExp(`"modelName":"${canary}"`));
    const preflight = await fetch(`${stack.gatewayUrl}/function/baton/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: stack.temporalUiUrl,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    await preflight.arrayBuffer();
    assert.ok(preflight.ok, `preflight through the gateway: ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), stack.temporalUiUrl);
  } finally {
    await connection.close();
    await plainConnection.close();
  }
});
