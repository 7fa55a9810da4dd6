import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainConnectError } from './connect.ts';
import { loadTemporalConnectSettings } from './connect-settings.ts';
import { tempFolders } from '../../../test/support/temp-folders.ts';

const folder = tempFolders('baton-connect-');

const plain = () =>
  loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    BATON_SECRETS_DIR: folder(),
    HOME: folder(),
  });

test('a plain connection a TLS frontend closes names TEMPORAL_TLS, however the close shows', () => {
  for (const message of [
    'Failed to call GetSystemInfo: h2 protocol error: frame with invalid size',
    // What the same mistake gave on a loaded machine: the server closed the connection at once.
    'Failed to call GetSystemInfo: code: \'The operation was cancelled\', message: "operation was canceled", source: tonic::transport::Error(Transport, hyper::Error(Canceled, "connection closed"))',
  ]) {
    assert.match(explainConnectError(new Error(message), plain()).message, /TEMPORAL_TLS=true/, message);
  }
});

test('a TLS connection the server drops after the handshake asks for a client certificate, however the drop shows', () => {
  const tls = loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_TLS: 'true',
    BATON_SECRETS_DIR: folder(),
    HOME: folder(),
  });
  for (const drop of ['connection closed', 'connection was not ready']) {
    const message = `Failed to call GetSystemInfo: source: tonic::transport::Error(Transport, hyper::Error(Canceled, "${drop}"))`;
    assert.match(explainConnectError(new Error(message), tls).message, /requires a client certificate \(mTLS\)/, drop);
  }
});
