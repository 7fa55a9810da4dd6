/**
 * The tools Baton's local stack needs, each with its pinned version, how to recognise a fitting copy on
 * PATH, and the `go install` that puts it in the cache. Versions come from docs/contracts.md and docs/design.md.
 */
import { faasCliVersion, minioFits, minioRelease, ofWatchdogVersion, semverFits, temporalVersion } from './versions.ts';

export interface GoTool {
  /** Cache folder and display name. */
  name: string;
  /** The version as people say it, for progress lines. */
  label: string;
  /** The `go install` version, also the cache folder: `<toolsDir>/<name>/<version>/<binary>`. */
  version: string;
  /** `go install <module>@<version>`. */
  module: string;
  /** The binary `go install` produces (the module path's last element). */
  binary: string;
  /** Names to look for on PATH. */
  pathNames: string[];
  /** Arguments that make the tool print its version (stdout or stderr). */
  versionArgs: string[];
  /** The version found in that output, when the tool says one. */
  versionOf(output: string): string | undefined;
  /** Whether a version found on PATH can be used instead of the pinned one. */
  fits(version: string): boolean;
  /** What to tell the developer the tool is needed for, when no copy fits. */
  purpose: string;
}

export const temporal: GoTool = {
  name: 'temporal',
  label: '1.5.1',
  // Later tags carry a replace directive and cannot be go-installed (docs/design.md).
  version: 'v1.5.1',
  module: 'github.com/temporalio/cli/cmd/temporal',
  binary: 'temporal',
  pathNames: ['temporal'],
  versionArgs: ['--version'],
  versionOf: temporalVersion,
  // `server start-dev` with --db-filename, --ui-port and --search-attribute is stable across 1.x.
  fits: (v) => semverFits(v, '1.5.1', 'major'),
  purpose: 'the Temporal dev server',
};

export const minio: GoTool = {
  name: 'minio',
  label: 'commit 7aac2a2c5b7c (2026-02-12)',
  // The proxy refuses MinIO's RELEASE tags, so the pin is the pseudo-version of that commit.
  version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  module: 'github.com/minio/minio',
  binary: 'minio',
  pathNames: ['minio'],
  versionArgs: ['--version'],
  versionOf: minioRelease,
  // Baton uses plain S3 calls (buckets, put/get, stat); any release from 2024 on serves them.
  fits: (v) => minioFits(v, '2024-01-01T00-00-00Z'),
  purpose: 'the local object store',
};

export const ofWatchdog: GoTool = {
  name: 'of-watchdog',
  label: '0.11.6',
  version: '0.11.6',
  module: 'github.com/openfaas/of-watchdog',
  binary: 'of-watchdog',
  // Function images install it as fwatchdog.
  pathNames: ['of-watchdog', 'fwatchdog'],
  versionArgs: ['-version'],
  versionOf: ofWatchdogVersion,
  fits: (v) => semverFits(v, '0.11.6', 'minor'),
  purpose: 'function replicas',
};

export const faasCli: GoTool = {
  name: 'faas-cli',
  label: '0.18.12',
  version: '0.18.12',
  module: 'github.com/openfaas/faas-cli',
  binary: 'faas-cli',
  pathNames: ['faas-cli'],
  versionArgs: ['version', '--short-version'],
  versionOf: faasCliVersion,
  fits: (v) => semverFits(v, '0.18.12', 'minor'),
  purpose: 'offline stack.yml checks (faas-cli build --shrinkwrap, faas-cli generate)',
};
