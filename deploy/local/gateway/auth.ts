import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { GatewayError } from './gateway-error.ts';

/** Credentials for the gateway's `/system/*` routes. */
export interface BasicAuthCredentials {
  user: string;
  password: string;
}

/**
 * Basic auth as OpenFaaS' `DecorateWithBasicAuth` does it: 401, `WWW-Authenticate: Basic realm="Restricted"`,
 * body `invalid credentials`. Compares in constant time; never logs or echoes what was sent.
 */
export function basicAuth(credentials: BasicAuthCredentials): MiddlewareHandler {
  const expected = digest(`${credentials.user}:${credentials.password}`);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic\s+(\S+)$/i.exec(header);
    const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    if (!match || !timingSafeEqual(digest(given), expected)) {
      throw new GatewayError(401, 'invalid credentials', { 'WWW-Authenticate': 'Basic realm="Restricted"' });
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
