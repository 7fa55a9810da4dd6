/**
 * A promotion to production made by hand is held to the pipelines' signature rule
 * (workflows/promotion/signature-rule.ts): a version whose signature breaks production's (other features, order,
 * types or classes) would make predict's callers fail, so the route refuses it unless the request or the model's
 * policy allows it.
 */
import {
  describeSignatureChange,
  isBreaking,
  signatureChange,
  signatureOf,
} from '../../../workflows/promotion/signature.ts';
import type { ModelVersionView, ModelView } from '../../../registry/index.ts';

/** How promoting `version` would break production's signature, or undefined when it would not (or nothing serves). */
export function breakingSignatureChange(model: ModelView, version: string): string | undefined {
  const production = model.production?.version;
  const current = model.versions.find((entry) => entry.version === production);
  const candidate = model.versions.find((entry) => entry.version === version);
  // An unknown version is the registry's 404 to answer; promoting production again changes nothing.
  if (!current || !candidate || current === candidate) return undefined;
  const change = signatureChange(signatureFrom(current), signatureFrom(candidate));
  return isBreaking(change)
    ? `version ${version}'s signature breaks production version ${current.version}'s (${describeSignatureChange(change)})`
    : undefined;
}

/** Versions registered before signatures were recorded have the one their features and classes make. */
function signatureFrom(version: ModelVersionView) {
  return version.signature ?? signatureOf(version);
}
