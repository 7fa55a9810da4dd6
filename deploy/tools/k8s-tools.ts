/**
 * The tools only the Kubernetes chart's tests use: helm and kubeconform, built with `go install` into the tools
 * cache like the others, but not by `npm run setup` / `npm start` (they need neither). Their own lock, so they
 * build while a setup builds Temporal, and a warm run only looks at files.
 */
import type { GoTool } from './catalog.ts';
import { line } from './context.ts';
import { ensureGoTool } from './gotools.ts';
import { installUnderLock, type LockedInstallOptions } from './locked-install.ts';
import { parseSemver, semverFits } from './versions.ts';

export const helm: GoTool = {
  name: 'helm',
  label: '4.3.2',
  // v4.3.2's go.mod has no replace directive, so `go install` accepts it.
  version: 'v4.3.2',
  module: 'helm.sh/helm/v4/cmd/helm',
  binary: 'helm',
  pathNames: ['helm'],
  versionArgs: ['version', '--short'],
  versionOf: (output) => parseSemver(output)?.join('.'),
  // lint and template of an apiVersion v2 chart work alike across Helm 4.
  fits: (v) => semverFits(v, '4.3.2', 'major'),
  purpose: 'the Helm chart checks (helm lint, helm template)',
};

export const kubeconform: GoTool = {
  name: 'kubeconform',
  label: '0.8.0',
  version: 'v0.8.0',
  module: 'github.com/yannh/kubeconform/cmd/kubeconform',
  binary: 'kubeconform',
  pathNames: ['kubeconform'],
  // A go-installed kubeconform says "development"; a release says "v0.8.0".
  versionArgs: ['-v'],
  versionOf: (output) => parseSemver(output)?.join('.'),
  fits: (v) => semverFits(v, '0.8.0', 'minor'),
  purpose: 'validating the rendered chart against the kept schemas',
};

export interface KubernetesToolPaths {
  helm: string;
  kubeconform: string;
}

/**
 * Finds or builds helm and kubeconform. Progress lines go to `progress` (a test passes one that writes to
 * stderr, so a cold build of several minutes is visible). Throws a ToolError naming the fix when Go or the
 * module proxy is not there.
 */
export function ensureKubernetesTools(options: LockedInstallOptions = {}): Promise<KubernetesToolPaths> {
  return installUnderLock('.k8s-tools.lock', options, async (ctx) => {
    const paths: Partial<KubernetesToolPaths> = {};
    for (const tool of [helm, kubeconform]) {
      const t0 = performance.now();
      const found = await ensureGoTool(ctx, tool);
      if (!found) return undefined;
      if (ctx.install) ctx.progress(line(`${tool.name} ${tool.label}`, found.status, (performance.now() - t0) / 1000));
      paths[tool.name as keyof KubernetesToolPaths] = found.path;
    }
    return paths as KubernetesToolPaths;
  });
}
