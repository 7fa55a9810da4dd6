import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepInputError } from '#baton-step';
import { resourceConfigFromEnv } from './config.ts';
import { redirectTarget, resolveTarget } from './target-url.ts';

const config = resourceConfigFromEnv({
  RESOURCE_BASE_URL: 'http://127.0.0.1:8765/data/',
  RESOURCE_ALLOWED_HOSTS: '127.0.0.1:8765, files.example.com',
});

/** Asserts a StepInputError on `path` whose message matches. */
function refused(fn: () => unknown, path: string, message: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StepInputError, `a StepInputError, got ${String(error)}`);
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      [path],
    );
    assert.match(error.message, message);
    return true;
  });
}

test('a path is appended to the base URL; query parameters are added', () => {
  assert.equal(resolveTarget(config, {}).href, 'http://127.0.0.1:8765/data/');
  assert.equal(resolveTarget(config, { path: 'wine.csv' }).href, 'http://127.0.0.1:8765/data/wine.csv');
  assert.equal(resolveTarget(config, { path: '/2024/wine.csv' }).href, 'http://127.0.0.1:8765/data/2024/wine.csv');
  assert.equal(
    resolveTarget(config, { path: 'a b%20c.csv'.replace(' ', '_') }).href,
    'http://127.0.0.1:8765/data/a_b%20c.csv',
  );
  assert.equal(
    resolveTarget(config, { path: 'x.csv', query: { v: '2', q: 'a&b' } }).href,
    'http://127.0.0.1:8765/data/x.csv?v=2&q=a%26b',
  );
  const noSlash = resourceConfigFromEnv({ RESOURCE_BASE_URL: 'http://127.0.0.1:8765/data' });
  assert.equal(resolveTarget(noSlash, { path: 'x.csv' }).href, 'http://127.0.0.1:8765/data/x.csv');
});

test('a path that could leave the base URL is refused', () => {
  refused(() => resolveTarget(config, { path: '../secret' }), 'path', /must not contain "\." or "\.\." segments/);
  refused(() => resolveTarget(config, { path: 'a/../../secret' }), 'path', /"\.\." segments/);
  refused(() => resolveTarget(config, { path: '%2e%2e/secret' }), 'path', /"\.\." segments/);
  refused(() => resolveTarget(config, { path: 'a/%2E%2E%2Fsecret' }), 'path', /"\.\." segments/);
  refused(() => resolveTarget(config, { path: '//169.254.169.254/latest/meta-data' }), 'path', /scheme-relative/);
  refused(() => resolveTarget(config, { path: 'http://169.254.169.254/' }), 'path', /has a scheme/);
  refused(() => resolveTarget(config, { path: 'https:evil.example.com' }), 'path', /has a scheme/);
  refused(() => resolveTarget(config, { path: '\\\\evil.example.com\\x' }), 'path', /character a path does not need/);
  refused(() => resolveTarget(config, { path: 'x.csv?token=1' }), 'path', /pass query parameters as "query"/);
  refused(() => resolveTarget(config, { path: 'x\n.csv' }), 'path', /control character/);
  refused(() => resolveTarget(config, { path: '%zz' }), 'path', /invalid %-escape/);
});

test('an absolute url must be http(s) on an allowed host and port: the refusal names the host and RESOURCE_ALLOWED_HOSTS', () => {
  assert.equal(
    resolveTarget(config, { url: 'http://127.0.0.1:8765/other/x.csv' }).href,
    'http://127.0.0.1:8765/other/x.csv',
  );
  assert.equal(
    resolveTarget(config, { url: 'https://FILES.example.com/x.csv#part' }).href,
    'https://files.example.com/x.csv',
  );
  assert.equal(resolveTarget(config, { url: 'http://files.example.com/x.csv' }).href, 'http://files.example.com/x.csv');
  refused(
    () => resolveTarget(config, { url: 'http://169.254.169.254/latest/meta-data/' }),
    'url',
    /host 169\.254\.169\.254 is not allowed: .*127\.0\.0\.1:8765, files\.example\.com.*RESOURCE_ALLOWED_HOSTS/,
  );
  refused(
    () => resolveTarget(config, { url: 'http://127.0.0.1:8766/x.csv' }),
    'url',
    /host 127\.0\.0\.1:8766 is not allowed/,
  );
  refused(
    () => resolveTarget(config, { url: 'https://files.example.com:8443/x.csv' }),
    'url',
    /host files\.example\.com:8443 is not allowed/,
  );
  refused(
    () => resolveTarget(config, { url: 'http://localhost:8765/x.csv' }),
    'url',
    /host localhost:8765 is not allowed/,
  );
  // Other spellings of an IP address are normalized first, so they neither slip through nor dodge the list.
  assert.equal(resolveTarget(config, { url: 'http://2130706433:8765/x' }).href, 'http://127.0.0.1:8765/x');
  refused(
    () => resolveTarget(config, { url: 'http://0xA9.254.169.254/' }),
    'url',
    /host 169\.254\.169\.254 is not allowed/,
  );
  refused(() => resolveTarget(config, { url: 'file:///etc/passwd' }), 'url', /must use http or https, not file/);
  refused(() => resolveTarget(config, { url: 'gopher://127.0.0.1:8765/' }), 'url', /must use http or https/);
  refused(() => resolveTarget(config, { url: 'http://user:pw@127.0.0.1:8765/' }), 'url', /user or password/);
  refused(() => resolveTarget(config, { url: 'wine.csv' }), 'url', /absolute http\(s\) URL/);
});

test("a url never downgrades the https base URL's host to plain http (the credential would travel in clear)", () => {
  const secure = resourceConfigFromEnv({
    RESOURCE_BASE_URL: 'https://data.example.com/csv/',
    RESOURCE_ALLOWED_HOSTS: 'data.example.com:80,data.example.com:443',
  });
  refused(
    () => resolveTarget(secure, { url: 'http://data.example.com/csv/x.csv' }),
    'url',
    /downgrades data\.example\.com from https.*use https/,
  );
  assert.equal(
    resolveTarget(secure, { url: 'https://data.example.com/other/x.csv' }).href,
    'https://data.example.com/other/x.csv',
  );
});

test('redirects: followed on the same host, never to another one (even an allowed one), never down to http', () => {
  const from = new URL('http://127.0.0.1:8765/data/x.csv');
  assert.equal(redirectTarget(config, from, '/data/y.csv', 'path').href, 'http://127.0.0.1:8765/data/y.csv');
  assert.equal(redirectTarget(config, from, 'z.csv?sig=1', 'path').href, 'http://127.0.0.1:8765/data/z.csv?sig=1');
  refused(
    () => redirectTarget(config, from, 'http://localhost:8765/data/x.csv', 'path'),
    'path',
    /redirected to another host, localhost:8765.*RESOURCE_ALLOWED_HOSTS/,
  );
  refused(
    () => redirectTarget(config, from, 'https://files.example.com/x.csv', 'url'),
    'url',
    /another host, files\.example\.com/,
  );
  refused(() => redirectTarget(config, from, '//169.254.169.254/', 'path'), 'path', /another host, 169\.254\.169\.254/);
  refused(() => redirectTarget(config, from, 'http://127.0.0.1:22/', 'path'), 'path', /another host, 127\.0\.0\.1:22/);
  refused(() => redirectTarget(config, from, 'file:///etc/passwd', 'path'), 'path', /file: URL/);
  const secure = new URL('https://files.example.com/x.csv');
  refused(() => redirectTarget(config, secure, 'http://files.example.com/x.csv', 'url'), 'url', /from https to http/);
  assert.equal(
    redirectTarget(config, new URL('http://files.example.com/x'), 'https://files.example.com/y', 'url').href,
    'https://files.example.com/y',
  );
  // An upgrade to https changes the port: it must be allowed too.
  const httpOnly = resourceConfigFromEnv({
    RESOURCE_BASE_URL: 'http://files.example.com/',
    RESOURCE_ALLOWED_HOSTS: 'files.example.com:80',
  });
  refused(
    () => redirectTarget(httpOnly, new URL('http://files.example.com/x'), 'https://files.example.com/x', 'path'),
    'path',
    /redirect target files\.example\.com is not allowed: .*files\.example\.com:80/,
  );
});
