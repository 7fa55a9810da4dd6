/**
 * The allow-list of hosts an http-resource function may call (RESOURCE_ALLOWED_HOSTS): `host` or `host:port`
 * entries. A host without a port is allowed on its scheme's default port only (80 for http, 443 for https), so
 * another service on the same machine stays out of reach unless it is listed with its port.
 */

/** One entry: a normalized host name (as `URL.hostname` gives it) and a port, or none for the default ports. */
export interface AllowedHost {
  hostname: string;
  port: number | undefined;
}

const HOST_AND_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/?#@[\]\\]+)(?::(\d{1,5}))?$/;

/** Parses one `host[:port]` entry; the error says what is wrong with it (the caller names the key). */
export function parseAllowedHost(entry: string): AllowedHost {
  const match = HOST_AND_PORT.exec(entry);
  if (!match) throw new Error(`"${entry}" is not a host or host:port (no scheme, path or user)`);
  let hostname: string;
  try {
    // The URL parser normalizes the host exactly as it does for the URLs checked against it (case, IDNA, IPv4 forms).
    hostname = new URL(`http://${match[1]}/`).hostname;
  } catch {
    throw new Error(`"${entry}" is not a valid host name`);
  }
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`"${entry}" has a port outside 1-65535`);
  return { hostname, port };
}

/** Parses a comma-separated list; empty entries are ignored. */
export function parseAllowedHosts(list: string): AllowedHost[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseAllowedHost);
}

/** The allow-list entry that admits exactly the host and port of `url`. */
export function hostOf(url: URL): AllowedHost {
  return { hostname: url.hostname, port: url.port ? Number(url.port) : undefined };
}

/** The port a request to `url` connects to. */
export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Whether the list admits the host and port of `url` (an http or https URL). */
export function isAllowedHost(url: URL, allowed: readonly AllowedHost[]): boolean {
  const port = effectivePort(url);
  const defaultPort = url.protocol === 'https:' ? 443 : 80;
  return allowed.some((entry) => entry.hostname === url.hostname && (entry.port ?? defaultPort) === port);
}

/** How an entry is written back (in messages). */
export function formatAllowedHost(entry: AllowedHost): string {
  return entry.port === undefined ? entry.hostname : `${entry.hostname}:${entry.port}`;
}
