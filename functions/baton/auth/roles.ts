/**
 * Who may do what on the trigger API. A credential carries roles; a role grants its own rights and those of the
 * roles it includes, so one `admin` key does everything and every signed-in role may read.
 */
export const ROLES = ['viewer', 'trigger', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role includes besides itself. */
const INCLUDES: Record<Role, readonly Role[]> = {
  viewer: [],
  trigger: ['viewer'],
  approver: ['viewer'],
  admin: ['viewer', 'trigger', 'approver'],
};

/** Whether a credential holding `held` may act where `required` is needed. */
export function grants(held: readonly Role[], required: Role): boolean {
  return held.some((role) => role === required || INCLUDES[role].includes(required));
}

/** Who made a request: a stable id (recorded on the runs it starts), a name for people to read, and its roles. */
export interface Principal {
  /** `key:<key id>` for an API key, `oidc:<issuer subject>` for a JWT: never the credential itself. */
  id: string;
  /** The key's name or the token's `email`/`name`/`sub` claim: what approvals and promotions record as `by`. */
  name: string;
  roles: Role[];
}
