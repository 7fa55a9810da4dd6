/**
 * ensureTools end to end with fake `go` and `python3` scripts on an isolated PATH and a temporary
 * BATON_TOOLS_DIR: real builds take minutes, and what matters here is the cache logic around them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTools, ToolError } from './tools.ts';
import { sha12 } from './layout.ts';
import { standInHash } from './watchdog.ts';

const FAKE_GO = `#!/bin/sh
PATH=/usr/bin:/bin
echo "go $*" >> "$FAKE_LOG"
case "$1" in
  version) echo "go version go1.22.5 linux/amd64" ;;
  install)
    mod="\${2%@*}"; name=$(basename "$mod")
    case "$mod" in github.com/openfaas/*)
      echo "go: $2: $2: invalid version: reading https://module-proxy.invalid/$mod/@v/x.info: 403 Forbidden" >&2; exit 1 ;;
    esac
    printf 'partial' > "$GOBIN/$name"
    if [ "$FAKE_FAIL" = "$name" ]; then echo "go: build interrupted" >&2; exit 1; fi
    printf '#!/bin/sh\\necho "%s version fake"\\n' "$name" > "$GOBIN/$name"; chmod +x "$GOBIN/$name" ;;
  build)
    printf '#!/bin/sh\\necho "baton-watchdog 0.11.6-compatible (stand-in)"\\n' > "$4"; chmod +x "$4" ;;
esac
`;

const FAKE_PYTHON = `#!/bin/sh
PATH=/usr/bin:/bin
echo "python3 $*" >> "$FAKE_LOG"
case "$1 $2" in
  "--version ") echo "Python 3.11.7" ;;
  "-m venv") mkdir -p "$3/bin"; cp "$0" "$3/bin/python3"; ln -sf python3 "$3/bin/python" ;;
  "-m pip") echo "Successfully installed fake" ;;
esac
`;

interface Sandbox {
  root: string;
  tools: string;
  bin: string;
  log: string;
  env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  calls: () => string[];
}

function sandbox(t: { after: (fn: () => void) => void }): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'baton-tools-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'checkout');
  const src = join(root, 'deploy', 'local', 'watchdog');
  mkdirSync(src, { recursive: true });
  for (const f of ['go.mod', 'main.go', 'config.go']) copyFileSync(new URL(`../local/watchdog/${f}`, import.meta.url), join(src, f));
  mkdirSync(join(root, 'template', 'baton-python'), { recursive: true });
  writeFileSync(join(root, 'template', 'baton-python', 'requirements.txt'), 'fake-package==1.0\n');
  const bin = join(base, 'bin');
  mkdirSync(bin);
  for (const [name, body] of [['go', FAKE_GO], ['python3', FAKE_PYTHON]]) {
    writeFileSync(join(bin, name!), body!);
    chmodSync(join(bin, name!), 0o755);
  }
  const log = join(base, 'calls.log');
  writeFileSync(log, '');
  const tools = join(base, 'tools');
  return {
    root, tools, bin, log,
    env: (extra = {}) => ({ PATH: bin, HOME: base, BATON_TOOLS_DIR: tools, FAKE_LOG: log, ...extra }),
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

test('cold run installs into the cache layout; a warm run runs nothing and is fast', async (t) => {
  const s = sandbox(t);
  const lines: string[] = [];
  const cold = await ensureTools({ env: s.env(), root: s.root, progress: (l) => lines.push(l) });

  const hash = standInHash(join(s.root, 'deploy', 'local', 'watchdog'));
  const venv = join(s.tools, 'venv', sha12('fake-package==1.0\n'));
  assert.deepEqual(cold, {
    temporal: join(s.tools, 'temporal', 'v1.5.1', 'temporal'),
    minio: join(s.tools, 'minio', 'v0.0.0-20260212201848-7aac2a2c5b7c', 'minio'),
    watchdog: join(s.tools, 'baton-watchdog', hash, 'baton-watchdog'),
    watchdogKind: 'baton-stand-in',
    faasCli: undefined,
    python: join(venv, 'bin', 'python3'),
    venvBin: join(venv, 'bin'),
  });
  const calls = s.calls();
  for (const expected of [
    'go install github.com/temporalio/cli/cmd/temporal@v1.5.1',
    'go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c',
    'go install github.com/openfaas/of-watchdog@0.11.6',
    'go install github.com/openfaas/faas-cli@0.18.12',
    `python3 -m venv ${venv}`,
  ]) assert.ok(calls.includes(expected), `expected call: ${expected}\n${calls.join('\n')}`);
  assert.ok(calls.some((c) => c.startsWith('go build -buildvcs=false -o ')));
  assert.ok(calls.some((c) => c.includes('-m pip install --disable-pip-version-check -r')));
  const text = lines.join('\n');
  assert.match(text, /of-watchdog 0\.11\.6 … could not be installed: .*403 Forbidden → using Baton's stand-in/);
  assert.match(text, /faas-cli 0\.18\.12 … could not be installed: .*403 Forbidden → faas-cli checks are skipped/);
  assert.ok(!existsSync(join(venv, '.partial')));
  assert.ok(!existsSync(join(s.tools, '.setup.lock')));

  // Warm: an empty PATH proves nothing is run (no go, no python3), and it is quick.
  writeFileSync(s.log, '');
  const empty = join(s.tools, '..', 'empty-bin');
  mkdirSync(empty);
  const warmLines: string[] = [];
  const started = performance.now();
  const warm = await ensureTools({ env: s.env({ PATH: empty }), root: s.root, progress: (l) => warmLines.push(l) });
  const took = performance.now() - started;
  assert.deepEqual(warm, cold);
  assert.deepEqual(s.calls(), []);
  assert.ok(took < 500, `warm run took ${took.toFixed(0)} ms`);
  assert.match(warmLines.join('\n'), /temporal 1\.5\.1 … cached \(0\.0s\)/);
  assert.match(warmLines.join('\n'), /of-watchdog 0\.11\.6 … not installable: .*tried 0 min ago/);
});

test('a failed build leaves no binary, no marker and no temporary folder', async (t) => {
  const s = sandbox(t);
  await assert.rejects(ensureTools({ env: s.env({ FAKE_FAIL: 'temporal' }), root: s.root }), (err: unknown) => {
    assert.ok(err instanceof ToolError);
    assert.match(err.message, /temporal 1\.5\.1 .*go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 failed: build interrupted/);
    assert.match(err.message, /fix: /);
    return true;
  });
  assert.deepEqual(readdirSync(join(s.tools, 'temporal')), []);
  assert.ok(!existsSync(join(s.tools, '.setup.lock')));
});

test('Go missing is a clear error', async (t) => {
  const s = sandbox(t);
  rmSync(join(s.bin, 'go'));
  await assert.rejects(ensureTools({ env: s.env(), root: s.root }), /Go is not on PATH[\s\S]*fix: install Go 1\.22\+/);
});

test('a fitting tool on PATH is used, an unfitting one is ignored', async (t) => {
  const s = sandbox(t);
  writeFileSync(join(s.bin, 'temporal'), '#!/bin/sh\necho "temporal version 1.5.3 (Server 1.29.1, UI 2.42.1)"\n');
  writeFileSync(join(s.bin, 'minio'), '#!/bin/sh\necho "minio version RELEASE.2022-01-01T00-00-00Z (commit-id=x)"\n');
  writeFileSync(join(s.bin, 'fwatchdog'), '#!/bin/sh\necho "2025/01/01 00:00:00 Version: 0.11.6	SHA: abc" >&2\n');
  for (const f of ['temporal', 'minio', 'fwatchdog']) chmodSync(join(s.bin, f), 0o755);
  const lines: string[] = [];
  const paths = await ensureTools({ env: s.env(), root: s.root, progress: (l) => lines.push(l) });
  assert.equal(paths.temporal, join(s.bin, 'temporal'));
  assert.equal(paths.watchdog, join(s.bin, 'fwatchdog'));
  assert.equal(paths.watchdogKind, 'of-watchdog');
  assert.equal(paths.minio, join(s.tools, 'minio', 'v0.0.0-20260212201848-7aac2a2c5b7c', 'minio'));
  assert.match(lines.join('\n'), /minio .* ignored .*minio \(version 2022-01-01T00-00-00Z, need/);
  assert.ok(!s.calls().some((c) => c.includes('temporal@') || c.includes('of-watchdog@') || c.startsWith('go build')));
});

test('a binary already in the cache folder without a marker is adopted, not rebuilt', async (t) => {
  const s = sandbox(t);
  const dir = join(s.tools, 'temporal', 'v1.5.1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'temporal'), '#!/bin/sh\necho "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)"\n');
  chmodSync(join(dir, 'temporal'), 0o755);
  const lines: string[] = [];
  await ensureTools({ env: s.env(), root: s.root, progress: (l) => lines.push(l) });
  assert.ok(!s.calls().some((c) => c.includes('temporal@')));
  assert.match(lines.join('\n'), /temporal 1\.5\.1 … cached \(existing build adopted\)/);
  assert.ok(existsSync(join(dir, '.baton-complete.json')));
});

test('changed watchdog sources or requirements give new cache folders; a partial venv is rebuilt', async (t) => {
  const s = sandbox(t);
  const first = await ensureTools({ env: s.env(), root: s.root });

  writeFileSync(join(s.root, 'deploy', 'local', 'watchdog', 'main.go'), '// edited\n', { flag: 'a' });
  writeFileSync(join(s.root, 'template', 'baton-python', 'requirements.txt'), 'fake-package==2.0\n');
  writeFileSync(s.log, '');
  const second = await ensureTools({ env: s.env(), root: s.root });
  assert.notEqual(second.watchdog, first.watchdog);
  assert.notEqual(second.python, first.python);
  const calls = s.calls();
  assert.ok(!calls.some((c) => c.startsWith('go install')), 'tools and the failure memo are reused');
  assert.equal(calls.filter((c) => c.startsWith('go build')).length, 1);

  // An interrupted venv: .partial present, no completion marker.
  const venv = join(second.venvBin, '..');
  rmSync(join(venv, '.baton-complete.json'));
  writeFileSync(join(venv, '.partial'), '');
  writeFileSync(s.log, '');
  await ensureTools({ env: s.env(), root: s.root });
  assert.ok(s.calls().some((c) => c.startsWith('python3 -m venv')));
  assert.ok(!existsSync(join(venv, '.partial')));
});

test('two setups at once build each tool once', async (t) => {
  const s = sandbox(t);
  const [a, b] = await Promise.all([ensureTools({ env: s.env(), root: s.root }), ensureTools({ env: s.env(), root: s.root })]);
  assert.deepEqual(a, b);
  const calls = s.calls();
  assert.equal(calls.filter((c) => c === 'go install github.com/temporalio/cli/cmd/temporal@v1.5.1').length, 1);
  assert.equal(calls.filter((c) => c.startsWith('go build')).length, 1);
  assert.equal(calls.filter((c) => c.startsWith('python3 -m venv')).length, 1);
});

test('the test tools get a venv of their own, only when asked for, keyed by test/tools/requirements.txt', async (t) => {
  const s = sandbox(t);
  mkdirSync(join(s.root, 'test', 'tools'), { recursive: true });
  writeFileSync(join(s.root, 'test', 'tools', 'requirements.txt'), 'fake-fuzzer==1.0\n');
  const plain = await ensureTools({ env: s.env(), root: s.root });
  assert.equal(plain.testToolsBin, undefined);
  assert.ok(!s.calls().some((c) => c.includes('test/tools/requirements.txt')), 'npm start does not install test tools');

  const lines: string[] = [];
  const withTools = await ensureTools({ env: s.env(), root: s.root, testTools: true, progress: (l) => lines.push(l) });
  const venv = join(s.tools, 'venv', sha12('fake-fuzzer==1.0\n'));
  assert.equal(withTools.testToolsBin, join(venv, 'bin'));
  assert.equal(withTools.python, plain.python, "the functions' venv is not touched");
  assert.ok(s.calls().some((c) => c.includes(`-m pip install --disable-pip-version-check -r ${join(s.root, 'test', 'tools', 'requirements.txt')}`)));
  assert.match(lines.join('\n'), /test tools venv [0-9a-f]{12} … created/);
});
