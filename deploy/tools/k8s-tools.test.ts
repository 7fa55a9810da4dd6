/**
 * ensureKubernetesTools with a fake `go` on an isolated PATH and a temporary BATON_TOOLS_DIR: the pinned
 * `go install`s happen once, under their own lock, with progress lines; a warm run builds nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKubernetesTools, helm, kubeconform } from './k8s-tools.ts';

const FAKE_GO = `#!/bin/sh
PATH=/usr/bin:/bin
echo "go $*" >> "$FAKE_LOG"
case "$1" in
  version) echo "go version go1.26.0 linux/amd64" ;;
  install) name=$(basename "\${2%@*}"); printf '#!/bin/sh\\necho "v9.9"\\n' > "$GOBIN/$name"; chmod +x "$GOBIN/$name" ;;
esac
`;

test('helm and kubeconform are go-installed once at their pinned versions, then found in the cache', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'baton-k8s-tools-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'go'), FAKE_GO);
  chmodSync(join(bin, 'go'), 0o755);
  const log = join(base, 'go.log');
  const env = { PATH: bin, BATON_TOOLS_DIR: join(base, 'tools'), FAKE_LOG: log, HOME: base };

  const lines: string[] = [];
  const cold = await ensureKubernetesTools({ env, progress: (l) => lines.push(l) });
  assert.equal(cold.helm, join(base, 'tools', 'helm', helm.version, 'helm'));
  assert.equal(cold.kubeconform, join(base, 'tools', 'kubeconform', kubeconform.version, 'kubeconform'));
  const installs = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('go install'));
  assert.deepEqual(installs, [
    'go install helm.sh/helm/v4/cmd/helm@v4.3.2',
    'go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0',
  ]);
  assert.ok(
    lines.some((l) => /helm 4\.3\.2 … building with go install/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /kubeconform 0\.8\.0 … built/.test(l)),
    lines.join('\n'),
  );
  assert.ok(!existsSync(join(base, 'tools', '.k8s-tools.lock')), 'the lock is released');

  writeFileSync(log, '');
  const warm = await ensureKubernetesTools({ env });
  assert.deepEqual(warm, cold);
  assert.equal(readFileSync(log, 'utf8'), '', 'a warm run runs no go at all');
});
