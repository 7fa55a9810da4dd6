/**
 * Running the real helm and kubeconform over Baton's chart, offline: helm with a throwaway home (no repositories,
 * no cache of the user's), kubeconform against the schemas kept in schemas/ only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../local/stack-config.ts';
import type { KubernetesToolPaths } from '../tools/k8s-tools.ts';

export const chartDir = join(repoRoot, 'deploy/kubernetes/baton');
export const testValuesDir = join(repoRoot, 'deploy/kubernetes/test-values');
const schemasDir = join(repoRoot, 'deploy/kubernetes/schemas');
/** The Kubernetes version of the kept schemas (schemas/README.md). */
export const KUBERNETES_VERSION = '1.34.0';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A rendered manifest: the Kubernetes object as parsed YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

function exec(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (err && code !== 0 && !stderr ? String(err.message) : '') });
      },
    );
  });
}

/** helm and kubeconform bound to a scratch folder; `close()` removes it. */
export async function chartChecker(tools: KubernetesToolPaths) {
  const scratch = await mkdtemp(join(tmpdir(), 'baton-chart-'));
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(scratch, 'helm-cache'),
    HELM_CONFIG_HOME: join(scratch, 'helm-config'),
    HELM_DATA_HOME: join(scratch, 'helm-data'),
  };
  const valueArgs = (valueFiles: string[], set: string[]) => [
    ...valueFiles.flatMap((f) => ['--values', join(testValuesDir, f)]),
    ...set.flatMap((s) => ['--set', s]),
  ];
  let manifests = 0;
  return {
    lint: (valueFiles: string[] = [], set: string[] = []) =>
      exec(tools.helm, ['lint', '--strict', chartDir, ...valueArgs(valueFiles, set)], helmEnv),
    /** `helm template` (hooks included, as `helm install` would apply them); `chart` for a copy of the chart. */
    template: (valueFiles: string[] = [], set: string[] = [], chart = chartDir) =>
      exec(
        tools.helm,
        ['template', 'baton', chart, '--namespace', 'openfaas-fn', ...valueArgs(valueFiles, set)],
        helmEnv,
      ),
    /** The NOTES `helm install` prints, from a client-side dry run (no cluster). */
    async notes(valueFiles: string[] = [], set: string[] = []): Promise<string> {
      const out = await exec(
        tools.helm,
        ['install', 'baton', chartDir, '--namespace', 'openfaas-fn', '--dry-run=client', ...valueArgs(valueFiles, set)],
        helmEnv,
      );
      if (out.code !== 0) throw new Error(`helm install --dry-run=client failed:\n${out.stderr}`);
      return out.stdout.slice(out.stdout.indexOf('NOTES:'));
    },
    /** kubeconform -strict over a multi-document YAML text, with the kept schemas only (a missing one fails). */
    async kubeconform(yamlText: string): Promise<Outcome> {
      const file = join(scratch, `manifest-${++manifests}.yaml`);
      await writeFile(file, yamlText);
      return exec(tools.kubeconform, [
        '-strict',
        '-summary',
        '-output',
        'text',
        '-kubernetes-version',
        KUBERNETES_VERSION,
        '-schema-location',
        schemasDir,
        '-schema-location',
        join(schemasDir, 'crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
        file,
      ]);
    },
    close: () => rm(scratch, { recursive: true, force: true }),
  };
}

/** The objects of a multi-document YAML text (empty documents left out). */
export function parseManifests(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/** The manifests back as YAML, e.g. after a test broke one on purpose. */
export function toYamlText(manifests: unknown[]): string {
  return manifests
    .map((m) => JSON.stringify(m))
    .map((json) => `---\n${json}\n`)
    .join('');
}
