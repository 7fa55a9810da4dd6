/**
 * How the orchestrator reaches Temporal: the standard client configuration of `@temporalio/envconfig`
 * (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, and profiles from a TOML file),
 * with OpenFaaS secrets as the place for the API key and the TLS material. Parsed once; the trigger API's
 * client, the pipeline worker and the system worker all connect with the result, so Temporal Cloud (API key or
 * mTLS) and a self-hosted cluster with mTLS need configuration only. Every error names the setting to fix and
 * never shows a secret.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_SECRETS_DIR } from '../../../template/baton-node/secrets.ts';

/** OpenFaaS secrets that supply a setting when its environment variable is not set. */
export const temporalSecrets = {
  apiKey: 'temporal-api-key',
  clientCert: 'temporal-tls-client-cert',
  clientKey: 'temporal-tls-client-key',
  serverCa: 'temporal-tls-server-ca-cert',
} as const;

/** The TLS files, each with the environment variables that set it (a path or the PEM text itself). */
const tlsFiles = {
  clientCert: {
    path: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    data: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
    toml: 'client_cert',
    pem: 'CERTIFICATE',
    what: 'client certificate',
  },
  clientKey: {
    path: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    data: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
    toml: 'client_key',
    pem: 'PRIVATE KEY',
    what: 'client private key',
  },
  serverCa: {
    path: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    data: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
    toml: 'server_ca_cert',
    pem: 'CERTIFICATE',
    what: 'server CA certificate',
  },
} as const;
type TlsFile = keyof typeof tlsFiles;
const profileField = { clientCert: 'clientCert', clientKey: 'clientKey', serverCa: 'serverCACert' } as const;

/** Far above any real certificate chain or API key; a bigger file is a wrong path, not a credential. */
const MAX_PEM_BYTES = 256 * 1024;
const MAX_API_KEY_CHARS = 16 * 1024;
const DEFAULT_NAMESPACE = 'default';

/** Where each effective setting came from, in words a person can act on ("TEMPORAL_API_KEY", "secret ..."). */
export interface SettingSources {
  address: string;
  namespace: string;
  tls: string;
  apiKey?: string;
  clientCert?: string;
  clientKey?: string;
  serverCa?: string;
  serverName?: string;
}

/** The parsed connection settings, ready for `Connection.connect` and `NativeConnection.connect` alike. */
export interface TemporalConnectSettings {
  address: string;
  namespace: string;
  /** Options for both connection kinds (the client's `ConnectionOptions` accepts the same fields). */
  connection: NativeConnectionOptions & { address: string };
  tlsEnabled: boolean;
  sources: SettingSources;
  /** The API key, only to scrub it from any text that might quote it. */
  secretValues: string[];
  /** One line for the start-up log: address, namespace, TLS and credentials by source, never a value. */
  summary: string;
}

/** Bad settings; `problems` each start with the setting to fix. */
export class TemporalSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Temporal connection settings are invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'TemporalSettingsError';
  }
}

/**
 * Reads the settings: environment variables first, then OpenFaaS secrets (`temporalSecrets`) for what they leave
 * unset, then the profile of a config file — read only when `TEMPORAL_CONFIG_FILE` or `TEMPORAL_PROFILE` is set,
 * so a developer's own `~/.config/temporalio/temporal.toml` never redirects the local stack.
 */
export function loadTemporalConnectSettings(env: NodeJS.ProcessEnv = process.env): TemporalConnectSettings {
  const secretsDir = env.BATON_SECRETS_DIR || DEFAULT_SECRETS_DIR;
  const problems: string[] = [];
  const vars = definedVars(env);
  const fromSecret = new Set<string>();
  const secretPath = (name: string) => join(secretsDir, name);

  // A secret stands in for its environment variable; the variable wins when both are there.
  if (vars.TEMPORAL_API_KEY === undefined && existsSync(secretPath(temporalSecrets.apiKey))) {
    vars.TEMPORAL_API_KEY =
      readSmallFile(secretPath(temporalSecrets.apiKey), `secret "${temporalSecrets.apiKey}"`, problems)?.trim() ?? '';
    fromSecret.add('apiKey');
  }
  for (const file of Object.keys(tlsFiles) as TlsFile[]) {
    const { path, data } = tlsFiles[file];
    if (vars[path] === undefined && vars[data] === undefined && existsSync(secretPath(temporalSecrets[file]))) {
      vars[path] = secretPath(temporalSecrets[file]);
      fromSecret.add(file);
    }
  }

  const useFile = vars.TEMPORAL_CONFIG_FILE !== undefined || vars.TEMPORAL_PROFILE !== undefined;
  const fileName = vars.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml';
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  const inProfile = (key: string) =>
    `${key} of profile "${profileName}" in ${fileName} (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE)`;

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars, disableFile: !useFile, configFileStrict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalSettingsError([
      `TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE: cannot use profile "${profileName}" of ${fileName}: ${reason}`,
    ]);
  }

  const envOr = (name: string, profileKey: string) => (vars[name] !== undefined ? name : inProfile(profileKey));
  const sources: SettingSources = {
    address: envOr('TEMPORAL_ADDRESS', 'address'),
    namespace:
      profile.namespace === undefined
        ? `TEMPORAL_NAMESPACE (default "${DEFAULT_NAMESPACE}")`
        : envOr('TEMPORAL_NAMESPACE', 'namespace'),
    tls:
      vars.TEMPORAL_TLS !== undefined
        ? 'TEMPORAL_TLS'
        : profile.tls?.disabled !== undefined
          ? inProfile('tls.disabled')
          : 'TEMPORAL_TLS',
  };

  const address = profile.address;
  if (!address)
    problems.push(
      `TEMPORAL_ADDRESS: is not set; give the Temporal frontend as host:port, e.g. 127.0.0.1:7233 or <namespace>.<account>.tmprl.cloud:7233`,
    );
  else if (!/^[^:\s/]+:\d{1,5}$/.test(address))
    problems.push(`${sources.address}: must be host:port, e.g. 127.0.0.1:7233`);

  const namespace = profile.namespace ?? DEFAULT_NAMESPACE;
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(namespace))
    problems.push(
      `${sources.namespace}: must be a namespace name (letters, digits, ".", "_", "-"), got "${namespace.slice(0, 80)}"`,
    );

  if (profile.apiKey !== undefined) {
    sources.apiKey = fromSecret.has('apiKey')
      ? secretLabel(temporalSecrets.apiKey, secretsDir)
      : envOr('TEMPORAL_API_KEY', 'api_key');
    if (!profile.apiKey) problems.push(`${sources.apiKey}: is empty`);
    else if (profile.apiKey.length > MAX_API_KEY_CHARS)
      problems.push(`${sources.apiKey}: is longer than ${MAX_API_KEY_CHARS} characters; is it the right file?`);
    else if (/[\s\p{Cc}]/u.test(profile.apiKey))
      problems.push(`${sources.apiKey}: holds white space or control characters; an API key is one token`);
  }

  // Read every TLS file now, so a wrong path or a file that is not PEM is named at start-up.
  const tls = profile.tls ? { ...profile.tls } : undefined;
  if (tls) {
    for (const file of Object.keys(tlsFiles) as TlsFile[]) {
      const source = tls[profileField[file]];
      if (!source) continue;
      const { path, data, toml } = tlsFiles[file];
      const label = fromSecret.has(file)
        ? secretLabel(temporalSecrets[file], secretsDir)
        : 'path' in source
          ? vars[path] !== undefined
            ? `${path} (${source.path})`
            : inProfile(`tls.${toml}_path`)
          : vars[data] !== undefined
            ? data
            : inProfile(`tls.${toml}_data`);
      sources[file] = label;
      const pem = readPem(source, label, tlsFiles[file], problems);
      tls[profileField[file]] = pem === undefined ? undefined : { data: pem };
    }
    if (tls.clientCert && !tls.clientKey && !sources.clientKey)
      problems.push(missingPair('clientKey', sources.clientCert!));
    if (tls.clientKey && !tls.clientCert && !sources.clientCert)
      problems.push(missingPair('clientCert', sources.clientKey!));
    if (tls.serverName !== undefined) sources.serverName = envOr('TEMPORAL_TLS_SERVER_NAME', 'tls.server_name');
  }
  if (problems.length > 0) throw new TemporalSettingsError(problems);

  const { connectionOptions } = toClientOptions({ ...profile, tls });
  const connection = { ...connectionOptions, address: address! };
  const tlsEnabled = connection.tls !== undefined && connection.tls !== false && connection.tls !== null;
  return {
    address: address!,
    namespace,
    connection,
    tlsEnabled,
    sources,
    secretValues: profile.apiKey ? [profile.apiKey] : [],
    summary: summarize(address!, namespace, tlsEnabled, sources),
  };
}

/** The variables that are set (envconfig treats an empty string as a value; an unset variable is absent). */
function definedVars(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

function secretLabel(name: string, dir: string): string {
  return `secret "${name}" (${join(dir, name)})`;
}

function missingPair(missing: 'clientCert' | 'clientKey', otherSource: string): string {
  const { path, what } = tlsFiles[missing];
  return `${path} (or secret "${temporalSecrets[missing]}"): is not set, but ${otherSource} is; mTLS needs the ${what} too`;
}

function readSmallFile(path: string, label: string, problems: string[]): string | undefined {
  try {
    if (statSync(path).size > MAX_PEM_BYTES) {
      problems.push(`${label}: ${path} is larger than ${MAX_PEM_BYTES / 1024} KiB; is it the right file?`);
      return undefined;
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** The PEM text of one TLS setting, or undefined after recording what is wrong with it. */
function readPem(
  source: ConfigDataSource,
  label: string,
  file: (typeof tlsFiles)[TlsFile],
  problems: string[],
): string | undefined {
  const text =
    'path' in source
      ? readSmallFile(source.path, label, problems)
      : typeof source.data === 'string'
        ? source.data
        : Buffer.from(source.data).toString('utf8');
  if (text === undefined) return undefined;
  if (text.length > MAX_PEM_BYTES) {
    problems.push(`${label}: is larger than ${MAX_PEM_BYTES / 1024} KiB`);
    return undefined;
  }
  // "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", "BEGIN EC PRIVATE KEY" all end the same way.
  if (!new RegExp(`-----BEGIN [A-Z ]*${file.pem}-----`).test(text)) {
    problems.push(`${label}: is not a PEM ${file.what} (no "-----BEGIN ${file.pem}-----" line)`);
    return undefined;
  }
  return text;
}

function summarize(address: string, namespace: string, tls: boolean, sources: SettingSources): string {
  const parts = [`Temporal at ${address}`, `namespace "${namespace}"`];
  if (!tls) parts.push('TLS off');
  else {
    const ca = sources.serverCa ? `server CA from ${sources.serverCa}` : 'system CAs';
    const cert = sources.clientCert ? `, client certificate from ${sources.clientCert}` : '';
    const name = sources.serverName ? `, server name from ${sources.serverName}` : '';
    parts.push(`TLS on (${ca}${cert}${name})`);
  }
  if (sources.apiKey) parts.push(`API key from ${sources.apiKey}`);
  return parts.join(', ');
}
