/**
 * Signed step calls on the real stack: a caller that reaches the gateway but is not the orchestrator cannot make
 * register-model or fetch-csv act on a made-up run. Each forged call is refused with 401 before the handler runs
 * (nothing reaches the data server, nothing is written to MinIO), while the very same envelope signed with the
 * function's key goes through, so the refusal is the signature's doing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StepErrorType } from '#baton-contract';
import { randomUUID } from 'node:crypto';
import { startDataServer, type DataServer } from '../support/data-server.ts';
import { artifactStoreOf } from '../support/run-report.ts';
import { postSignedStep, stepSignatureHeaders } from '../support/step-call.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

let stack: TestStack | undefined;
let data: DataServer | undefined;

before(async () => {
  data = await startDataServer({ files: { 'csv/wine.csv': 'a,label\n1,0\n2,1\n' } });
  stack = await startTestStack({ functionEnv: { RESOURCE_BASE_URL: data.url } });
  data.bearerToken = stack.secrets.csvSourceToken;
});
after(async () => {
  try {
    await stopTestStack(stack);
  } finally {
    await data?.close();
  }
});

const runOf = (workflowId: string, step: string) => ({
  workflowId,
  runId: randomUUID(),
  pipeline: 'forged',
  step,
  attempt: 1,
});

/** POSTs `body` to `/function/<fn>` through the gateway with the given extra headers. */
async function post(
  fn: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; error?: { message: string; type: string } }> {
  const response = await fetch(`${stack!.gatewayUrl}/function/${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await response.json()) as { error?: { message: string; type: string } };
  return { status: response.status, error: json.error };
}

function assertRefused(
  answer: { status: number; error?: { message: string; type: string } },
  message: RegExp,
  name: string,
) {
  assert.equal(answer.status, 401, `${name}: ${JSON.stringify(answer)}`);
  assert.equal(answer.error?.type, StepErrorType.Unauthorized, name);
  assert.match(answer.error!.message, message, name);
}

test('register-model refuses a forged run block (unsigned, replayed from another function, altered, expired): 401 and nothing written', async () => {
  const store = artifactStoreOf(stack!);
  const model = `forged-${randomUUID().slice(0, 8)}`;
  const workflowId = `signed-calls-${model}`;
  const artifact = await store.putBytes(`runs/${workflowId}/train/model.skops`, Buffer.from(`fitted ${model}`));
  const dataRef = await store.putBytes(`datasets/${model}/0123456789ab/data.csv`, Buffer.from('a,label\n1,0\n'));
  const report = await store.putBytes(`runs/${workflowId}/evaluate/report.json`, Buffer.from('{}'));
  const input = {
    modelName: model,
    model: { artifact, format: 'skops', type: 'random_forest', params: {}, features: ['a'], classes: [0, 1] },
    dataset: { name: model, version: '0123456789ab', data: dataRef },
    evaluation: { metrics: { accuracy: 0.99 }, report },
  };
  const body = JSON.stringify({ input, run: runOf(workflowId, 'register') });
  const key = stack!.secrets.signingKey;

  assertRefused(await post('register-model', body), /missing X-Baton-Signature/, 'unsigned');
  assertRefused(
    await post('register-model', body, stepSignatureHeaders(key, 'promote-model', body)),
    /not signed for register-model/,
    'signed for promote-model',
  );
  const altered = JSON.stringify({
    input: { ...input, evaluation: { ...input.evaluation, metrics: { accuracy: 1 } } },
    run: runOf(workflowId, 'register'),
  });
  assertRefused(
    await post('register-model', altered, stepSignatureHeaders(key, 'register-model', body)),
    /altered/,
    'altered body',
  );
  assertRefused(
    await post('register-model', body, stepSignatureHeaders(key, 'register-model', body, -5)),
    /expired/,
    'expired',
  );
  assert.deepEqual(await store.list(`models/${model}/`), [], 'no forged call wrote to the registry');

  // The same envelope, signed as the orchestrator signs it, registers the model.
  const signed = await postSignedStep(
    stack!,
    'register-model',
    JSON.parse(body) as { input: unknown; run: ReturnType<typeof runOf> },
  );
  assert.equal(signed.status, 200, await signed.clone().text());
  assert.ok((await store.list(`models/${model}/`)).length > 0, 'the signed call wrote the version');
});

test('fetch-csv refuses a forged call before it fetches anything: 401, no request to the data server, nothing stored', async () => {
  const workflowId = `signed-calls-csv-${randomUUID().slice(0, 8)}`;
  const envelope = { input: { path: 'csv/wine.csv', saveAs: 'source.csv' }, run: runOf(workflowId, 'fetch-csv') };
  const body = JSON.stringify(envelope);
  const before = data!.requests.length;
  assertRefused(await post('fetch-csv', body), /missing X-Baton-Signature/, 'unsigned');
  assertRefused(
    await post('fetch-csv', body, stepSignatureHeaders(stack!.secrets.signingKey, 'register-model', body)),
    /not signed for fetch-csv/,
    'signed for register-model',
  );
  assert.equal(data!.requests.length, before, 'the data server saw no request');
  assert.deepEqual(await artifactStoreOf(stack!).list(`runs/${workflowId}/`), []);

  const signed = await postSignedStep(stack!, 'fetch-csv', envelope);
  assert.equal(signed.status, 200, await signed.clone().text());
  assert.equal(data!.requests.length, before + 1);
});
