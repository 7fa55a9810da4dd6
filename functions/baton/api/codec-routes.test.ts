import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../codec/encryption-codec.ts';
import { parseCodecKeys } from '../codec/keys.ts';
import { payloadToJson, type PayloadJson } from '../codec/payload-json.ts';
import { everyoneIs } from '../auth/testing.ts';
import { createApi } from './app.ts';
import { CODEC_MAX_BODY_BYTES } from './codec-routes.ts';

const uiOrigin = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseCodecKeys(`k1:${Buffer.alloc(32, 5).toString('base64')}`));

/** The whole trigger API, as the orchestrator serves it, over a client whose data converter has the codec. */
const api = createApi({
  client: { options: { loadedDataConverter: { payloadCodecs: [codec] } } } as unknown as Client,
  taskQueue: 'q',
  namespace: 'default',
  pipelines: [],
  steps: new Map(),
  callbackKey: 'k',
  signingKey: 's',
  publicUrl: 'http://gw/function/baton',
  temporalUiUrl: uiOrigin,
  health: () => ({}),
  ...everyoneIs(),
  codecCorsOrigins: [uiOrigin],
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const fromBase64 = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();

test('encode then decode round-trips payloads in proto3 JSON (base64 data and metadata)', async () => {
  const plain = payloadToJson(defaultPayloadConverter.toPayload({ canary: 'canary-c0dec' }));
  const encoded = await post('/codec/encode', { payloads: [plain] });
  assert.equal(encoded.status, 200);
  const {
    payloads: [ciphertext],
  } = (await encoded.json()) as { payloads: PayloadJson[] };
  assert.equal(fromBase64(ciphertext!.metadata?.encoding), 'binary/encrypted');
  assert.equal(fromBase64(ciphertext!.metadata?.['encryption-key-id']), 'k1');
  assert.ok(!fromBase64(ciphertext!.data ?? '').includes('canary-c0dec'));

  const decoded = await post('/codec/decode', { payloads: [ciphertext, plain] });
  assert.equal(decoded.status, 200);
  const { payloads } = (await decoded.json()) as { payloads: PayloadJson[] };
  assert.deepEqual(payloads, [plain, plain], 'the encrypted one decrypted, the plain one passed through');
  assert.equal(fromBase64(payloads[0]!.data ?? ''), '{"canary":"canary-c0dec"}');
});

test("the Temporal UI's preflight is answered for its origin only, with the headers it sends", async () => {
  const preflight = (origin: string) =>
    api.request('/codec/decode', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
  const allowed = await preflight(uiOrigin);
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), uiOrigin);
  assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
  assert.deepEqual(
    allowed.headers
      .get('access-control-allow-headers')
      ?.split(',')
      .map((h) => h.trim().toLowerCase())
      .sort(),
    ['authorization', 'content-type', 'x-namespace'],
  );
  assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.equal((await preflight('http://evil.example')).headers.get('access-control-allow-origin'), null);

  const answer = await post('/codec/decode', { payloads: [] }, { origin: uiOrigin });
  assert.equal(answer.headers.get('access-control-allow-origin'), uiOrigin);
  assert.equal(
    (await api.request('/runs/x/report', { headers: { origin: uiOrigin } })).headers.get('access-control-allow-origin'),
    null,
    'CORS on the codec routes only',
  );
});

test('bad requests are refused naming the field; another namespace and tampered payloads too', async () => {
  const notBase64 = await post('/codec/decode', { payloads: [{ data: 'not base64!' }] });
  assert.equal(notBase64.status, 400);
  assert.deepEqual(
    ((await notBase64.json()) as { error: { issues: { path: string }[] } }).error.issues.map((issue) => issue.path),
    ['payloads.0.data'],
  );
  const noPayloads = await post('/codec/encode', { items: [] });
  assert.equal(noPayloads.status, 400);
  assert.match(JSON.stringify(await noPayloads.json()), /"path":"payloads"/);
  assert.equal((await post('/codec/decode', '')).status, 400);

  const otherNamespace = await post('/codec/decode', { payloads: [] }, { 'x-namespace': 'billing' });
  assert.equal(otherNamespace.status, 400);
  assert.match(
    ((await otherNamespace.json()) as { error: { message: string } }).error.message,
    /X-Namespace "billing" is not this codec server's namespace/,
  );
  assert.equal(
    (await post('/codec/decode', { payloads: [] }, { 'x-namespace': '' })).status,
    200,
    'an empty X-Namespace counts as none',
  );

  const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
  const tampered = payloadToJson({ ...encrypted!, data: Buffer.from(encrypted!.data!).fill(0, 12, 14) });
  const refused = await post('/codec/decode', { payloads: [tampered] });
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(await refused.json()), /failed authentication/);
});

test('a body over the limit is refused with 413', async () => {
  const big = JSON.stringify({ payloads: [{ data: 'A'.repeat(CODEC_MAX_BODY_BYTES) }] });
  const response = await post('/codec/decode', big, { 'content-length': String(Buffer.byteLength(big)) });
  assert.equal(response.status, 413);
  assert.match(JSON.stringify(await response.json()), /over \d+ bytes/);
});
