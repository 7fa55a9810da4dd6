/**
 * OpenID Connect access tokens as credentials: a JWT signed by the configured issuer (keys from its JWKS, fetched
 * and cached by `jose`), for Baton's audience, unexpired, whose roles claim names Baton roles.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Principal, type Role } from './roles.ts';

/** Where tokens come from and how to read them (BATON_OIDC_*). */
export interface OidcSettings {
  issuer: string;
  audience: string;
  /** The issuer's JSON Web Key Set (`jwks_uri` of its discovery document). */
  jwksUrl: string;
  /** The claim holding the roles: an array of role names, or a space-separated string. */
  rolesClaim: string;
}

/** Verifies a JWT; undefined when it is not valid for Baton (the reason goes to `onRefused`, never the token). */
export type OidcVerifier = (token: string) => Promise<Principal | undefined>;

export function oidcVerifier(settings: OidcSettings, onRefused: (reason: string) => void = () => {}): OidcVerifier {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: 30,
      }));
    } catch (error) {
      // jose's messages name the failed check (expired, audience, signature), not the token's content.
      if (error instanceof joseErrors.JOSEError) {
        onRefused(`JWT refused: ${error.code}`);
        return undefined;
      }
      throw error;
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      onRefused('JWT refused: no subject');
      return undefined;
    }
    const claim = payload[settings.rolesClaim];
    const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
    const roles = names.filter((name): name is Role => (ROLES as readonly unknown[]).includes(name));
    const name = [payload.email, payload.preferred_username, payload.sub].find(
      (value): value is string => typeof value === 'string' && value !== '',
    )!;
    return { id: `oidc:${payload.sub}`, name: name.slice(0, 200), roles };
  };
}

/** Whether a bearer value looks like a JWT (three base64url parts) rather than a Baton API key. */
export function looksLikeJwt(value: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
}
