/**
 * Connecting to Temporal with the parsed settings, and the start-up check: one connection attempt and one
 * `DescribeNamespace`, so a wrong CA, a missing client certificate, a rejected API key or a wrong namespace stops
 * the orchestrator at start with a message naming the setting to fix, instead of retrying in silence or failing
 * on the first run. The platform restarts the replica; every attempt is bounded by the connect timeout.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalSecrets, type TemporalConnectSettings } from './connect-settings.ts';

/** gRPC status codes the explanations look at. */
const Status = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** A start-up failure that names the setting to fix; the original error is its `cause`. */
export class TemporalConnectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporalConnectError';
  }
}

/**
 * Opens a worker connection and checks the namespace with it; throws a `TemporalConnectError` that says what to
 * fix. Called before anything else at start-up: the worker's native client reports TLS failures precisely.
 */
export async function connectWorkerConnection(settings: TemporalConnectSettings): Promise<NativeConnection> {
  const connection = await NativeConnection.connect(settings.connection).catch((error: unknown) => {
    throw explainConnectError(error, settings);
  });
  try {
    await checkNamespace(connection, settings);
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
  return connection;
}

/** The start-up check: connects, checks the namespace, closes; throws a `TemporalConnectError` naming the fix. */
export async function checkTemporal(settings: TemporalConnectSettings): Promise<void> {
  const connection = await connectWorkerConnection(settings);
  await connection.close();
}

/** Opens the client connection of the trigger API (after `connectWorkerConnection` proved the settings). */
export async function connectClientConnection(settings: TemporalConnectSettings): Promise<Connection> {
  return Connection.connect(settings.connection).catch((error: unknown) => {
    throw explainConnectError(error, settings);
  });
}

/** A cheap call that needs the namespace to exist and the credentials to reach it. */
export async function checkNamespace(
  connection: NativeConnection | Connection,
  settings: TemporalConnectSettings,
): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace: settings.namespace });
  } catch (error) {
    throw explainNamespaceError(error, settings);
  }
}

/** Why connecting failed, in terms of the settings; the message never quotes a secret. */
export function explainConnectError(error: unknown, settings: TemporalConnectSettings): TemporalConnectError {
  const { sources } = settings;
  const detail = errorText(error, settings);
  const code = grpcCode(error);
  const at = `Temporal at ${settings.address} (${sources.address})`;
  const fix = (message: string) =>
    new TemporalConnectError(`${message} [${detail}]`, { cause: scrubbedCause(error, settings) });

  // Refused before any namespace is involved (connecting calls GetSystemInfo, which any valid credential may
  // call): the credentials themselves are wrong. Temporal's own JWT authorizer says PERMISSION_DENIED for that.
  if (code === Status.UNAUTHENTICATED || code === Status.PERMISSION_DENIED) return fix(credentialsRejected(settings));
  const text = detail.toLowerCase();
  if (
    /unknownissuer|unknown ca|unable to get local issuer|self[- ]signed|certificate verify failed|invalid peer certificate: (unknownissuer|badsignature)|badsignature/.test(
      text,
    )
  ) {
    const ca =
      sources.serverCa ??
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH (or secret "${temporalSecrets.serverCa}"; unset, so the system CAs are used)`;
    return fix(
      `${at} presented a certificate that ${sources.serverCa ? 'the configured server CA does' : 'the system CAs do'} not trust: check ${ca}`,
    );
  }
  if (/notvalidforname|not valid for name|hostname mismatch|altnames|does not match certificate/.test(text)) {
    return fix(
      `${at} presented a certificate for another name: check TEMPORAL_TLS_SERVER_NAME${sources.serverName ? ` (${sources.serverName})` : ''} or the host in TEMPORAL_ADDRESS`,
    );
  }
  // TLS 1.3 finishes the client's side of the handshake before the server checks the client's certificate: a
  // missing or refused one often shows only as a connection the server closed at once.
  const refusedAfterHandshake =
    settings.tlsEnabled && /connection closed|connection was not ready|connection reset|broken pipe/.test(text);
  if (
    refusedAfterHandshake ||
    /certificaterequired|certificate required|bad ?certificate|handshake ?failure|unknownca|alert/.test(text)
  ) {
    return fix(
      sources.clientCert
        ? `${at} refused the client certificate from ${sources.clientCert}: check that it is signed by a CA the server trusts (and the key from ${sources.clientKey})`
        : `${at} requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or secrets "${temporalSecrets.clientCert}" and "${temporalSecrets.clientKey}")`,
    );
  }
  if (
    settings.tlsEnabled &&
    /invalidcontenttype|wrong version number|corrupt ?message|packet length too long|record overflow/.test(text)
  ) {
    return fix(
      `${at} does not speak TLS, but ${sources.tls} or the TLS settings turn it on: set TEMPORAL_TLS=false, or point TEMPORAL_ADDRESS at the TLS endpoint`,
    );
  }
  if (
    !settings.tlsEnabled &&
    // A TLS frontend answers plain HTTP/2 with a protocol error or, under load, by closing the connection at once.
    /h2 protocol error|http2|frame|connection reset|connection closed|connection was not ready|broken pipe|unexpected eof|protocol error/.test(
      text,
    )
  ) {
    return fix(
      `${at} closed a plain-text connection; it probably expects TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA)`,
    );
  }
  if (/connection refused|dns|name resolution|no address|failed to lookup|unreachable|timed out|deadline/.test(text)) {
    return fix(`cannot reach ${at}: check TEMPORAL_ADDRESS and that the Temporal frontend is running and reachable`);
  }
  return fix(
    `cannot connect to ${at} with ${settings.summary}: check TEMPORAL_ADDRESS, TEMPORAL_TLS* and TEMPORAL_API_KEY`,
  );
}

/** Why `DescribeNamespace` failed: a namespace that is not there, or credentials that do not reach it. */
export function explainNamespaceError(error: unknown, settings: TemporalConnectSettings): TemporalConnectError {
  const code = grpcCode(error);
  const detail = errorText(error, settings);
  const cause = scrubbedCause(error, settings);
  if (code === Status.NOT_FOUND) {
    return new TemporalConnectError(
      `namespace "${settings.namespace}" does not exist on Temporal at ${settings.address}: check ${settings.sources.namespace} [${detail}]`,
      { cause },
    );
  }
  const hasCredentials = settings.sources.apiKey !== undefined || settings.sources.clientCert !== undefined;
  if (code === Status.UNAUTHENTICATED || (code === Status.PERMISSION_DENIED && !hasCredentials)) {
    return new TemporalConnectError(`${credentialsRejected(settings)} [${detail}]`, { cause });
  }
  if (code === Status.PERMISSION_DENIED)
    return new TemporalConnectError(`${permissionDenied(settings)} [${detail}]`, { cause });
  return explainConnectError(error, settings);
}

function credentialsRejected(settings: TemporalConnectSettings): string {
  const { sources } = settings;
  if (sources.apiKey)
    return `Temporal at ${settings.address} rejected the API key from ${sources.apiKey}: check that it is the right, unexpired key for this account`;
  return `Temporal at ${settings.address} requires credentials: set TEMPORAL_API_KEY (or secret "${temporalSecrets.apiKey}"), or a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH / secret "${temporalSecrets.clientCert}")`;
}

function permissionDenied(settings: TemporalConnectSettings): string {
  const who = settings.sources.apiKey
    ? `the API key from ${settings.sources.apiKey}`
    : `the client certificate from ${settings.sources.clientCert}`;
  return `Temporal at ${settings.address} denies ${who} access to namespace "${settings.namespace}": check ${settings.sources.namespace} and the key's or certificate's permissions`;
}

/**
 * The gRPC status: a number on the client's errors; the worker's native client reports only tonic's description
 * of the code in its message.
 */
function grpcCode(error: unknown): number | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  const text = error instanceof Error ? error.message : String(error);
  return nativeCodes.find(([pattern]) => pattern.test(text))?.[1];
}

/** tonic's `Code::description()` texts, as the native client quotes them ("code: '<description>'"). */
const nativeCodes: [RegExp, number][] = [
  [/code: 'The caller does not have permission/, Status.PERMISSION_DENIED],
  [/code: 'The request does not have valid authentication credentials/, Status.UNAUTHENTICATED],
  [/code: 'Some requested entity was not found/, Status.NOT_FOUND],
];

/** The error's messages down its cause chain, without any secret, on one line. */
function errorText(error: unknown, settings: TemporalConnectSettings): string {
  const parts: string[] = [];
  for (let e: unknown = error; e && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
  }
  return scrub(parts.join(': ').replace(/\s+/g, ' ').slice(0, 600), settings);
}

function scrub(text: string, settings: TemporalConnectSettings): string {
  return settings.secretValues.reduce((acc, secret) => acc.replaceAll(secret, '***'), text);
}

/** The cause without anything that could quote a secret (gRPC metadata, request options). */
function scrubbedCause(error: unknown, settings: TemporalConnectSettings): Error {
  return new Error(errorText(error, settings));
}
