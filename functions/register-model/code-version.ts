/** The code version recorded in a model's lineage: `BATON_CODE_VERSION`, set by the deployment. */

/** What lineage says when the deployment did not tell. */
export const UNKNOWN_CODE_VERSION = 'unknown';

/** Reads `BATON_CODE_VERSION` (a git sha, maybe with "-dirty", or a release tag); "unknown" when unset. */
export function codeVersionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.BATON_CODE_VERSION?.trim();
  if (!value) return UNKNOWN_CODE_VERSION;
  if (!/^[\w.+-]{1,64}$/.test(value)) {
    throw new Error(
      `BATON_CODE_VERSION must be a short version text (letters, digits, "._+-", at most 64), got "${value.slice(0, 80)}"`,
    );
  }
  return value;
}
