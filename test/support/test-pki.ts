/**
 * Certificates and API keys for the TLS tests, made fresh per run: a CA with a server certificate for
 * 127.0.0.1/localhost and a client certificate, plus a second, unrelated CA with its own client certificate (the
 * "wrong CA" cases). Keys are ECDSA P-256, made with the openssl CLI (node:crypto cannot issue X.509 certificates).
 * API keys are RS256 JWTs signed here and checked by Temporal's JWT authorizer against a JWKS served on loopback.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Paths of PEM files. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing the server uses. */
  otherCa: string;
  /** A client certificate signed by `otherCa`: well-formed, but not trusted by the server. */
  otherClientCert: string;
  otherClientKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await exec('openssl', args, { cwd: dir });
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`, {
      cause: error,
    });
  }
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=Baton test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function issue(dir: string, ca: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Makes the certificates in `dir`. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await issue(
    dir,
    'ca',
    'server',
    '/CN=localhost',
    `${leaf}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`,
  );
  await issue(dir, 'ca', 'client', '/CN=baton-orchestrator', `${leaf}extendedKeyUsage=clientAuth\n`);
  await issue(dir, 'other-ca', 'other-client', '/CN=baton-orchestrator', `${leaf}extendedKeyUsage=clientAuth\n`);
  const at = (file: string) => join(dir, file);
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCa: at('other-ca.pem'),
    otherClientCert: at('other-client.pem'),
    otherClientKey: at('other-client.key'),
  };
}

/** A JWKS endpoint on loopback and a signer for API keys (JWTs) it vouches for. */
export interface JwtIssuer {
  /** The JWKS URL for the server's `jwtKeyProvider.keySourceURIs`. */
  jwksUrl: string;
  /** An API key with Temporal permissions such as `default:write` or `temporal-system:admin`. */
  apiKey(permissions: string[]): string;
  /** A well-formed API key signed by a key the JWKS does not hold (a wrong or forged key). */
  foreignApiKey(permissions: string[]): string;
  close(): Promise<void>;
}

function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode({ iat: now, exp: now + 3600, ...claims })}`;
  return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
}

/** Starts the JWKS server on a free loopback port. */
export async function startJwtIssuer(): Promise<JwtIssuer> {
  const kid = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = createPrivateKey(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    apiKey: (permissions) => signJwt(privateKey, kid, { sub: 'baton-test', permissions }),
    // Same kid, other key: the signature check, not a key lookup, must reject it.
    foreignApiKey: (permissions) => signJwt(foreign, kid, { sub: 'baton-test', permissions }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
