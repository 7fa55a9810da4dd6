/**
 * Who is calling: the bearer credential of a request, checked against the bootstrap admin key (secret
 * `baton-admin-key`), the issued API keys, and, when configured, the OIDC issuer. Answers the principal or
 * undefined; it never says which check failed, and never logs the credential.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyStore } from './key-store.ts';
import { looksLikeJwt, type OidcVerifier } from './oidc.ts';
import type { Principal } from './roles.ts';

/** The secret holding the bootstrap admin key. */
export const ADMIN_KEY_SECRET = 'baton-admin-key';

/** The longest bearer value looked at: a JWT with many claims fits, a megabyte of garbage does not. */
export const MAX_CREDENTIAL_LENGTH = 8192;

export interface CredentialCheckers {
  /** The bootstrap admin key (from the secret), always valid with role admin. */
  adminKey: string;
  keys: Pick<ApiKeyStore, 'authenticate'>;
  oidc?: OidcVerifier;
}

export const BOOTSTRAP_ADMIN: Principal = { id: 'key:admin', name: 'admin', roles: ['admin'] };

export function authenticator(
  checkers: CredentialCheckers,
): (authorization: string | undefined) => Promise<Principal | undefined> {
  const adminDigest = digest(checkers.adminKey);
  return async (authorization) => {
    const credential = bearer(authorization);
    if (!credential) return undefined;
    if (timingSafeEqual(digest(credential), adminDigest)) return BOOTSTRAP_ADMIN;
    if (checkers.oidc && looksLikeJwt(credential)) return checkers.oidc(credential);
    return checkers.keys.authenticate(credential);
  };
}

/** The credential of `Authorization: Bearer <credential>`; undefined when absent, another scheme, or oversized. */
function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const value = match?.[1];
  return value && value.length <= MAX_CREDENTIAL_LENGTH ? value : undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
