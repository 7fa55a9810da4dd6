import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteSize, parseTimeout, resourceConfigFromEnv } from './config.ts';

const base = { RESOURCE_BASE_URL: 'https://data.example.com/files/' };

test("defaults: GET, 30 s, 1 GiB, no auth, and only the base URL's host (with its port) allowed", () => {
  const config = resourceConfigFromEnv(base);
  assert.equal(config.baseUrl.href, 'https://data.example.com/files/');
  assert.deepEqual(config.allowedHosts, [{ hostname: 'data.example.com', port: undefined }]);
  assert.equal(config.method, 'GET');
  assert.equal(config.timeoutMs, 30_000);
  assert.equal(config.maxBytes, 2 ** 30);
  assert.equal(config.auth, undefined);
  assert.deepEqual(resourceConfigFromEnv({ RESOURCE_BASE_URL: 'http://127.0.0.1:8765/' }).allowedHosts, [
    { hostname: '127.0.0.1', port: 8765 },
  ]);
});

test('every setting is read, and empty values count as unset', () => {
  const config = resourceConfigFromEnv({
    ...base,
    RESOURCE_ALLOWED_HOSTS: 'Data.Example.com, mirror.example.com:8443',
    RESOURCE_METHOD: 'post',
    RESOURCE_TIMEOUT: '1m30s',
    RESOURCE_MAX_BYTES: '100MiB',
    RESOURCE_AUTH_HEADER: 'Authorization',
    RESOURCE_AUTH_SECRET: 'fetch-csv-token',
    RESOURCE_AUTH_SCHEME: 'Bearer',
  });
  assert.deepEqual(config.allowedHosts, [
    { hostname: 'data.example.com', port: undefined },
    { hostname: 'mirror.example.com', port: 8443 },
  ]);
  assert.equal(config.method, 'POST');
  assert.equal(config.timeoutMs, 90_000);
  assert.equal(config.maxBytes, 100 * 2 ** 20);
  assert.deepEqual(config.auth, { header: 'Authorization', secret: 'fetch-csv-token', scheme: 'Bearer' });
  assert.equal(resourceConfigFromEnv({ ...base, RESOURCE_AUTH_SCHEME: '', RESOURCE_TIMEOUT: '' }).timeoutMs, 30_000);
});

test('errors name each wrong key and what it should be', () => {
  const fails = (env: Record<string, string>, ...expected: RegExp[]) => {
    assert.throws(
      () => resourceConfigFromEnv(env),
      (error: Error) => {
        for (const pattern of expected) assert.match(error.message, pattern);
        return true;
      },
    );
  };
  fails({}, /RESOURCE_BASE_URL: is required/);
  fails({ RESOURCE_BASE_URL: 'not a url' }, /RESOURCE_BASE_URL: must be an http\(s\) URL/);
  fails({ RESOURCE_BASE_URL: 'file:///etc/passwd' }, /RESOURCE_BASE_URL: must use http or https, not file/);
  fails(
    { RESOURCE_BASE_URL: 'https://user:pw@data.example.com/' },
    /RESOURCE_BASE_URL: must not carry a user or password/,
  );
  fails({ RESOURCE_BASE_URL: 'https://data.example.com/?token=1' }, /RESOURCE_BASE_URL: must not have a query/);
  fails(
    { ...base, RESOURCE_ALLOWED_HOSTS: 'other.example.com' },
    /RESOURCE_ALLOWED_HOSTS: must include the host of RESOURCE_BASE_URL \(data\.example\.com\)/,
  );
  fails(
    { ...base, RESOURCE_ALLOWED_HOSTS: 'https://data.example.com' },
    /RESOURCE_ALLOWED_HOSTS: "https:\/\/data\.example\.com" is not a host or host:port/,
  );
  fails({ ...base, RESOURCE_ALLOWED_HOSTS: 'data.example.com:99999' }, /RESOURCE_ALLOWED_HOSTS: .*port outside/);
  fails({ ...base, RESOURCE_METHOD: 'DELETE' }, /RESOURCE_METHOD: must be one of GET, POST/);
  fails(
    { ...base, RESOURCE_TIMEOUT: 'soon', RESOURCE_MAX_BYTES: 'lots' },
    /RESOURCE_TIMEOUT: must be a duration/,
    /RESOURCE_MAX_BYTES: must be a size/,
  );
  fails(
    { ...base, RESOURCE_AUTH_HEADER: 'Authorization' },
    /RESOURCE_AUTH_SECRET: is required with RESOURCE_AUTH_HEADER/,
  );
  fails({ ...base, RESOURCE_AUTH_SECRET: 'token' }, /RESOURCE_AUTH_HEADER: is required with RESOURCE_AUTH_SECRET/);
  fails(
    { ...base, RESOURCE_AUTH_HEADER: 'Host', RESOURCE_AUTH_SECRET: 'token' },
    /RESOURCE_AUTH_HEADER: must not be a header HTTP itself sets/,
  );
  fails(
    { ...base, RESOURCE_AUTH_HEADER: 'Authorization', RESOURCE_AUTH_SECRET: 'Bearer abc' },
    /RESOURCE_AUTH_SECRET: must be the name of a secret/,
  );
});

test('the configuration error never contains a secret value: the secret is named, and read per call', () => {
  const config = resourceConfigFromEnv({ ...base, RESOURCE_AUTH_HEADER: 'X-Api-Key', RESOURCE_AUTH_SECRET: 'api-key' });
  assert.deepEqual(config.auth, { header: 'X-Api-Key', secret: 'api-key', scheme: undefined });
});

test('durations and sizes', () => {
  assert.equal(parseTimeout('30'), 30_000);
  assert.equal(parseTimeout('500ms'), 500);
  assert.equal(parseTimeout('1h2m3s'), 3_723_000);
  assert.equal(parseTimeout('30 s'), undefined);
  assert.equal(parseByteSize('1048576'), 1_048_576);
  assert.equal(parseByteSize('2KB'), 2000);
  assert.equal(parseByteSize('1.5KiB'), 1536);
  assert.equal(parseByteSize('1TB'), undefined);
});
