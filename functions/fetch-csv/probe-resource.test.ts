/**
 * The probe of an http-resource function against a real HTTP server on loopback: the version comes from the ETag,
 * else Last-Modified, else the body's sha256; it changes with the content and only then; nothing is stored; the
 * same guard and credentials as a fetch apply.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { StepInputError } from '#baton-step';
import { resourceConfigFromEnv } from './config.ts';
import { createProbeHandler } from './probe-resource.ts';
import { httpResourceProbeInput, httpResourceProbeOutput } from './schema.ts';

const TOKEN = 'tok-SECRET-probe';

/** What the server answers now (the test changes it), and the headers of every request it saw. */
const served: { body: string; headers: OutgoingHttpHeaders } = { body: 'a,b\n1,2\n', headers: {} };
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  if (req.url !== '/data.csv') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/csv', ...served.headers }).end(served.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const agent = new Agent();
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await agent.close();
});

function probeWith(env: Record<string, string> = {}) {
  const config = resourceConfigFromEnv({
    RESOURCE_BASE_URL: base,
    RESOURCE_AUTH_HEADER: 'Authorization',
    RESOURCE_AUTH_SCHEME: 'Bearer',
    RESOURCE_AUTH_SECRET: 'fetch-csv-token',
    ...env,
  });
  const probe = createProbeHandler(config, agent);
  const ctx = { secret: () => TOKEN, log: () => {} };
  return async (input: unknown) => {
    const { output } = await probe(httpResourceProbeInput.parse(input), ctx);
    return httpResourceProbeOutput.parse(output);
  };
}

test('without validators the version is the sha256 of the body: the same content the same version', async () => {
  const probe = probeWith();
  served.headers = {};
  served.body = 'a,b\n1,2\n';
  const first = await probe({ probe: true, path: 'data.csv' });
  assert.equal(first.basis, 'sha256');
  assert.equal(first.version, `sha256:${createHash('sha256').update(served.body).digest('hex')}`);
  assert.equal(first.url, `${base}data.csv`);
  assert.deepEqual(await probe({ probe: true, path: 'data.csv' }), first);
  served.body = 'a,b\n1,2\n3,4\n';
  assert.notEqual((await probe({ probe: true, path: 'data.csv' })).version, first.version);
  assert.equal(seen.at(-1)?.authorization, `Bearer ${TOKEN}`, "with the function's credential");
});

test('an ETag is the version, else Last-Modified', async () => {
  const probe = probeWith();
  served.headers = { etag: '"v7"', 'last-modified': 'Mon, 07 Dec 2026 05:00:00 GMT' };
  assert.deepEqual(await probe({ probe: true, path: 'data.csv' }), {
    version: 'etag:"v7"',
    basis: 'etag',
    url: `${base}data.csv`,
  });
  served.headers = { 'last-modified': 'Mon, 07 Dec 2026 05:00:00 GMT' };
  const dated = await probe({ probe: true, path: 'data.csv' });
  assert.equal(dated.basis, 'last-modified');
  assert.equal(dated.version, 'last-modified:Mon, 07 Dec 2026 05:00:00 GMT');
  served.headers = { etag: `"${'x'.repeat(400)}"` };
  const long = await probe({ probe: true, path: 'data.csv' });
  assert.match(long.version, /^etag-sha256:[0-9a-f]{64}$/, 'an oversized ETag is hashed to fit');
});

test('the guard applies: a host off the allow-list and a POST resource are refused, naming the field', async () => {
  const probe = probeWith();
  await assert.rejects(probe({ probe: true, url: 'http://169.254.169.254/x' }), (error: unknown) => {
    assert.ok(error instanceof StepInputError);
    assert.match(error.message, /RESOURCE_ALLOWED_HOSTS/);
    return true;
  });
  await assert.rejects(
    probeWith({ RESOURCE_METHOD: 'POST' })({ probe: true, path: 'data.csv' }),
    /RESOURCE_METHOD=GET/,
  );
  served.headers = {};
  served.body = 'x'.repeat(2000);
  await assert.rejects(
    probeWith({ RESOURCE_MAX_BYTES: '1000' })({ probe: true, path: 'data.csv' }),
    /more than RESOURCE_MAX_BYTES \(1000 bytes\) and no ETag or Last-Modified/,
  );
});
