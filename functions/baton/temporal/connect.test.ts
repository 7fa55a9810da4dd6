import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainConnectError } from './connect.ts';
import { loadTemporalConnectSettings } from './connect-settings.ts';

const plain = () =>
  loadTemporalConnectSettings({
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    BATON_SECRETS_DIR: mkdtempSync(join(tmpdir(), 'baton-connect-')),
    HOME: mkdtempSync(join(tmpdir(), 'baton-connect-')),
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
