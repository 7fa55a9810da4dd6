import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempFolders } from '../../../test/support/temp-folders.ts';
import { loadTemporalConnectSettings, TemporalSettingsError } from './connect-settings.ts';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const API_KEY = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl';

const newFolder = tempFolders('baton-connect-settings-');

function folder(files: Record<string, string> = {}): string {
  const dir = newFolder();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** An environment with no secrets folder and no config file, like the local stack's. */
const local = (extra: NodeJS.ProcessEnv = {}) => ({
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  BATON_SECRETS_DIR: folder(),
  HOME: folder(),
  ...extra,
});

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadTemporalConnectSettings(env);
  } catch (error) {
    assert.ok(error instanceof TemporalSettingsError, String(error));
    return error.problems;
  }
  assert.fail('expected the settings to be refused');
}

test('the local stack: an address only gives a plain connection to namespace "default"', () => {
  const settings = loadTemporalConnectSettings(local());
  assert.equal(settings.address, '127.0.0.1:7233');
  assert.equal(settings.namespace, 'default');
  assert.equal(settings.tlsEnabled, false);
  assert.equal(settings.connection.apiKey, undefined);
  assert.equal(settings.summary, 'Temporal at 127.0.0.1:7233, namespace "default", TLS off');
});

test("a developer's own temporal.toml is not read unless TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE asks for it", () => {
  const toml = `[profile.default]\naddress = "cloud.example:7233"\napi_key = "${API_KEY}"\n`;
  const configHome = folder();
  mkdirSync(join(configHome, 'temporalio'));
  writeFileSync(join(configHome, 'temporalio', 'temporal.toml'), toml);
  const plain = loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    BATON_SECRETS_DIR: folder(),
    XDG_CONFIG_HOME: configHome,
  });
  assert.equal(plain.connection.apiKey, undefined);
  assert.equal(plain.tlsEnabled, false);
  const dir = folder({ 'temporal.toml': toml });
  const fromFile = loadTemporalConnectSettings({
    TEMPORAL_CONFIG_FILE: join(dir, 'temporal.toml'),
    BATON_SECRETS_DIR: folder(),
  });
  assert.equal(fromFile.address, 'cloud.example:7233');
  assert.equal(fromFile.connection.apiKey, API_KEY);
  assert.equal(fromFile.tlsEnabled, true, 'an API key turns TLS on');
  assert.match(fromFile.sources.apiKey!, /api_key of profile "default" in .*temporal\.toml/);
  assert.match(fromFile.sources.address, /address of profile "default"/);
});

test('Temporal Cloud with an API key from the OpenFaaS secret: TLS on with the system CAs, the key never in the summary', () => {
  const secrets = folder({ 'temporal-api-key': `${API_KEY}\n` });
  const settings = loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'ns.acct',
    BATON_SECRETS_DIR: secrets,
  });
  assert.equal(settings.connection.apiKey, API_KEY, 'trailing newline of the secret file trimmed');
  assert.equal(settings.connection.tls, true);
  assert.equal(settings.namespace, 'ns.acct');
  assert.match(settings.sources.apiKey!, /^secret "temporal-api-key"/);
  assert.ok(!settings.summary.includes(API_KEY));
  assert.match(settings.summary, /TLS on \(system CAs\), API key from secret "temporal-api-key"/);
});

test('mTLS from secrets: client certificate, key and server CA read at start; an environment variable wins over its secret', () => {
  const secrets = folder({
    'temporal-tls-client-cert': CERT,
    'temporal-tls-client-key': KEY,
    'temporal-tls-server-ca-cert': CERT,
  });
  const settings = loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    BATON_SECRETS_DIR: secrets,
    TEMPORAL_TLS_SERVER_NAME: 'temporal',
  });
  const tls = settings.connection.tls as {
    clientCertPair?: { crt: Uint8Array; key: Uint8Array };
    serverRootCACertificate?: Uint8Array;
    serverNameOverride?: string;
  };
  assert.equal(Buffer.from(tls.clientCertPair!.crt).toString(), CERT);
  assert.equal(Buffer.from(tls.clientCertPair!.key).toString(), KEY);
  assert.equal(Buffer.from(tls.serverRootCACertificate!).toString(), CERT);
  assert.equal(tls.serverNameOverride, 'temporal');
  assert.match(
    settings.summary,
    /server CA from secret "temporal-tls-server-ca-cert".*client certificate from secret "temporal-tls-client-cert".*server name from TEMPORAL_TLS_SERVER_NAME/,
  );

  const other = folder({ 'ca.pem': CERT.replace('MIIB', 'MIIC') });
  const overridden = loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    BATON_SECRETS_DIR: secrets,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(other, 'ca.pem'),
  });
  assert.match(
    Buffer.from(
      (overridden.connection.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate,
    ).toString(),
    /MIIC/,
  );
  assert.match(overridden.sources.serverCa!, /^TEMPORAL_TLS_SERVER_CA_CERT_PATH \(/);
});

test('TEMPORAL_TLS=false turns TLS off even with TLS files; TEMPORAL_TLS=true alone uses the system CAs', () => {
  const secrets = folder({ 'temporal-tls-server-ca-cert': CERT });
  assert.equal(
    loadTemporalConnectSettings(local({ BATON_SECRETS_DIR: secrets, TEMPORAL_TLS: 'false' })).tlsEnabled,
    false,
  );
  const on = loadTemporalConnectSettings(local({ TEMPORAL_TLS: 'true' }));
  assert.equal(on.tlsEnabled, true);
  assert.match(on.summary, /TLS on \(system CAs\)/);
});

test('each wrong setting is named: address, namespace, missing key of a pair, unreadable or non-PEM files, a malformed API key', () => {
  assert.match(problems({ BATON_SECRETS_DIR: folder() }).join('\n'), /^TEMPORAL_ADDRESS: is not set/);
  assert.match(problems(local({ TEMPORAL_ADDRESS: 'localhost' })).join('\n'), /^TEMPORAL_ADDRESS: must be host:port/);
  assert.match(
    problems(local({ TEMPORAL_NAMESPACE: 'two words' })).join('\n'),
    /^TEMPORAL_NAMESPACE: must be a namespace name/,
  );

  const onlyCert = folder({ 'temporal-tls-client-cert': CERT });
  assert.match(
    problems(local({ BATON_SECRETS_DIR: onlyCert })).join('\n'),
    /^TEMPORAL_TLS_CLIENT_KEY_PATH \(or secret "temporal-tls-client-key"\): is not set, but secret "temporal-tls-client-cert"/,
  );
  assert.match(
    problems(local({ TEMPORAL_TLS_CLIENT_KEY_PATH: join(folder({ k: KEY }), 'k') })).join('\n'),
    /^TEMPORAL_TLS_CLIENT_CERT_PATH \(or secret "temporal-tls-client-cert"\): is not set/,
  );

  assert.match(
    problems(local({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nowhere/ca.pem' })).join('\n'),
    /^TEMPORAL_TLS_SERVER_CA_CERT_PATH \(\/nowhere\/ca\.pem\): cannot read \/nowhere\/ca\.pem \(ENOENT\)/,
  );
  const notPem = folder({ 'temporal-tls-server-ca-cert': 'hello' });
  assert.match(
    problems(local({ BATON_SECRETS_DIR: notPem })).join('\n'),
    /^secret "temporal-tls-server-ca-cert" .*: is not a PEM server CA certificate/,
  );
  assert.match(
    problems(local({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: CERT })).join('\n'),
    /^TEMPORAL_TLS_CLIENT_KEY_DATA: is not a PEM client private key/,
  );

  const spaced = problems(local({ TEMPORAL_API_KEY: `${API_KEY} extra` }));
  assert.match(spaced.join('\n'), /^TEMPORAL_API_KEY: holds white space/);
  assert.ok(!spaced.join('\n').includes(API_KEY), 'the key itself is never quoted');
  assert.match(
    problems(local({ BATON_SECRETS_DIR: folder({ 'temporal-api-key': '\n' }) })).join('\n'),
    /^secret "temporal-api-key" .*: is empty/,
  );
});

test('a profile that does not exist is named with the settings that chose it', () => {
  const dir = folder({ 'temporal.toml': '[profile.default]\naddress = "127.0.0.1:7233"\n' });
  assert.match(
    problems({
      TEMPORAL_CONFIG_FILE: join(dir, 'temporal.toml'),
      TEMPORAL_PROFILE: 'prod',
      BATON_SECRETS_DIR: folder(),
    }).join('\n'),
    /TEMPORAL_PROFILE.*Profile 'prod' not found/,
  );
});
