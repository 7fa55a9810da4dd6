import type { Context } from 'hono';

/** What `/system/info` reports of this gateway and its provider. */
export interface GatewayVersion {
  /** e.g. the package's version, `0.1.0`. */
  release: string;
  /** The code's commit, e.g. `a1b2c3d` or `a1b2c3d-dirty`; empty when unknown. */
  sha: string;
}

/** The provider name `/system/info` reports: faas-cli prints it as `Provider name:`. */
export const PROVIDER_NAME = 'baton-local';
/** How the local provider runs functions (faas-netes says `kubernetes`, faasd `containerd`). */
export const ORCHESTRATION = 'local-processes';

/** Go's GOARCH for Node's `process.arch` (the gateway's `arch` field is Go's). */
const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/**
 * `GET /system/info` in the JSON shape of the OpenFaaS gateway's `types.GatewayInfo` (faas gateway/types/inforequest.go),
 * which `faas-cli version -g` reads: `{provider: {provider, orchestration, version: {sha, release}}, version: {sha,
 * release}, arch}`. The gateway and the provider are one program here, so both carry the same version.
 */
export function infoHandler(version: GatewayVersion) {
  const versionInfo = { sha: version.sha, release: version.release };
  const body = {
    provider: { provider: PROVIDER_NAME, orchestration: ORCHESTRATION, version: versionInfo },
    version: versionInfo,
    arch: GO_ARCH[process.arch] ?? process.arch,
  };
  return (c: Context): Response => c.json(body);
}
