import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faasCli, minio, ofWatchdog, temporal } from './catalog.ts';
import {
  faasCliVersion,
  goVersion,
  minioRelease,
  ofWatchdogVersion,
  parseSemver,
  pythonVersion,
  semverFits,
  STAND_IN_VERSION_LINE,
  temporalVersion,
} from './versions.ts';
import { readFileSync } from 'node:fs';

test('temporal: release builds say their version, source builds do not', () => {
  assert.equal(temporalVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)'), '1.5.1');
  assert.equal(temporalVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)'), undefined);
  assert.ok(temporal.fits('1.5.1') && temporal.fits('1.6.0'));
  assert.ok(!temporal.fits('1.4.9') && !temporal.fits('2.0.0'));
});

test('minio: RELEASE dates are compared, source builds are unknown', () => {
  assert.equal(
    minioRelease('minio version RELEASE.2025-04-22T22-12-26Z (commit-id=abc)\nRuntime: go1.24'),
    '2025-04-22T22-12-26Z',
  );
  assert.equal(minioRelease('minio version DEVELOPMENT.GOGET (commit-id=DEVELOPMENT.GOGET)'), undefined);
  assert.ok(minio.fits('2025-04-22T22-12-26Z'));
  assert.ok(!minio.fits('2023-12-31T23-59-59Z'));
});

test('of-watchdog: the version it logs, and never the stand-in', () => {
  const out = '2024/04/25 17:29:06 Version: 0.11.6\tSHA: 1c6daa729515a77a9264ae54b93c4ace4a311a3c\n';
  assert.equal(ofWatchdogVersion(out), '0.11.6');
  assert.equal(ofWatchdogVersion('2024/04/25 17:29:06 Version: dev\tSHA: unknown'), undefined);
  assert.equal(ofWatchdogVersion(STAND_IN_VERSION_LINE), undefined);
  assert.ok(ofWatchdog.fits('0.11.7') && !ofWatchdog.fits('0.11.5') && !ofWatchdog.fits('0.12.0'));
});

test('the stand-in version line matches the Go source', () => {
  const main = readFileSync(new URL('../local/watchdog/main.go', import.meta.url), 'utf8');
  assert.ok(main.includes(`const version = "${STAND_IN_VERSION_LINE}"`));
});

test('faas-cli: short and long version output', () => {
  assert.equal(faasCliVersion('0.18.12\n'), '0.18.12');
  assert.equal(faasCliVersion('CLI:\n commit:  abc\n version: 0.18.12\n'), '0.18.12');
  assert.ok(faasCli.fits('0.18.13') && !faasCli.fits('0.17.9'));
});

test('go and python versions', () => {
  assert.deepEqual(goVersion('go version go1.26.8 linux/amd64'), [1, 26, 8]);
  assert.deepEqual(goVersion('go version go1.22 darwin/arm64'), [1, 22, 0]);
  assert.deepEqual(pythonVersion('Python 3.11.7'), [3, 11, 7]);
  assert.deepEqual(parseSemver('v1.5.1'), [1, 5, 1]);
  assert.ok(!semverFits('garbage', '1.0.0', 'major'));
});
