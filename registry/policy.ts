/**
 * A model's promotion policy (`models/<name>/policy.json`): the rules every run of that model is held to. Each
 * change gets the next version number and keeps the one it replaces in the history; rewrites are compare-and-swap.
 * A policy may be set before the model's first version is registered, so that version is held to it too.
 */
import { promotionPolicy, type PromotionPolicy, type PromotionPolicyInput } from '../workflows/promotion/policy.ts';
import {
  modelPolicyDocument,
  modelPolicyForRewrite,
  type ModelPolicyDocument,
  type PolicyRevision,
} from './documents.ts';
import { ModelNotFoundError } from './errors.ts';
import { MODEL_NAME_PATTERN, registryKeys } from './layout.ts';
import { readDocument, updateDocument, type RegistryStore } from './store.ts';

/** How many earlier versions a policy document keeps. */
export const POLICY_HISTORY_LIMIT = 100;

/** A model's policy as the registry shows it: the stored document, or the default policy (version 0). */
export type ModelPolicyView =
  | ({ name: string; stored: true } & ModelPolicyDocument)
  | { name: string; stored: false; version: 0; rules: PromotionPolicy };

/** Who changes a policy and why. */
export interface PolicyChangeRequest {
  by: string;
  reason?: string;
}

/** The rules of a model without a stored policy: the defaults of `promotionPolicy`. */
export function defaultPolicy(): PromotionPolicy {
  return promotionPolicy.parse({});
}

/** The model's stored policy, or the default policy when none is stored. */
export async function readPolicy(store: RegistryStore, name: string): Promise<ModelPolicyView> {
  checkName(name);
  const stored = await readDocument(store, registryKeys.policy(name), modelPolicyDocument);
  return stored ? { name, stored: true, ...stored.value } : { name, stored: false, version: 0, rules: defaultPolicy() };
}

/**
 * Replaces the model's rules (defaults fill what `rules` leaves out) as the next version; the same rules again
 * change nothing (`changed: false`), so a retried request does not add a version. A stored policy whose rules this
 * code cannot read is replaced all the same (it stays in the history as it was).
 */
export async function writePolicy(
  store: RegistryStore,
  name: string,
  rules: PromotionPolicyInput,
  request: PolicyChangeRequest,
  now: () => Date,
): Promise<{ policy: ModelPolicyView; changed: boolean }> {
  checkName(name);
  const parsed = promotionPolicy.parse(rules);
  let written: ModelPolicyDocument | undefined;
  const changed = await updateDocument(store, registryKeys.policy(name), modelPolicyForRewrite, (current) => {
    if (current && JSON.stringify(current.rules) === JSON.stringify(parsed)) return undefined;
    const earlier: PolicyRevision[] = current
      ? [
          ...current.history,
          {
            version: current.version,
            rules: current.rules,
            updatedAt: current.updatedAt,
            updatedBy: current.updatedBy,
            reason: current.reason,
          },
        ]
      : [];
    written = {
      version: (current?.version ?? 0) + 1,
      rules: parsed,
      updatedAt: now().toISOString(),
      updatedBy: request.by,
      reason: request.reason ?? '',
      history: earlier.slice(-POLICY_HISTORY_LIMIT),
    };
    return written;
  });
  if (changed) return { policy: { name, stored: true, ...written! }, changed };
  return { policy: await readPolicy(store, name), changed };
}

/** Names become storage keys: anything else is no model of this registry. */
function checkName(name: string): void {
  if (!MODEL_NAME_PATTERN.test(name)) throw new ModelNotFoundError(name);
}
