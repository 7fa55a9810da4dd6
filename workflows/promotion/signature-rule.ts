/**
 * The signature rule of promotion: a candidate whose signature breaks production's (other features, order, types or
 * classes) stays in staging unless the model's policy allows a breaking change. Pure code, like policy.ts.
 */
import type { ProductionStanding, PromotionRules } from './policy.ts';
import { describeSignatureChange, isBreaking, signatureChange, type ModelSignature } from './signature.ts';

/** The version in production when evaluate ran (evaluate's `inProduction` output). */
export interface InProduction {
  version: string;
  signature: ModelSignature;
  /** Why evaluate did not score it on the candidate's holdout rows; absent when it did. */
  notScored?: string | undefined;
}

/** What the signature rule says, and how production stands for the metric criteria. */
export interface SignatureJudgement {
  eligible: boolean;
  /** Empty when nothing is in production or the candidate is the production version itself. */
  reasons: string[];
  /** What the metric criteria compare with (see judgePromotion). */
  production: ProductionStanding;
}

/**
 * Compares the candidate's signature with production's. `scored` is evaluate's `production` output (the production
 * version's metrics on the same rows, null when not scored); `policySource` names the policy in the reasons.
 */
export function judgeSignature(args: {
  rules: PromotionRules;
  modelName: string;
  policySource: string;
  version: string;
  signature: ModelSignature;
  /** undefined: evaluate did not say (an older evaluate function): fail safe, nothing is promoted. */
  inProduction: InProduction | null | undefined;
  scored: { version: string; metrics: { accuracy: number; f1: number } } | null;
}): SignatureJudgement {
  const { inProduction, scored } = args;
  if (inProduction === undefined) {
    const why = 'evaluate did not report what is in production (an older evaluate function?)';
    return { eligible: false, reasons: [`the signature was not checked: ${why}`], production: { unknown: why } };
  }
  if (inProduction === null) return { eligible: true, reasons: [], production: null };
  const { version } = inProduction;
  if (version === args.version)
    return {
      eligible: true,
      reasons: [],
      production: { version, notScored: 'it is this version, already in production', waived: true },
    };
  const change = signatureChange(inProduction.signature, args.signature);
  const breaking = isBreaking(change);
  const reasons: string[] = [];
  let eligible = true;
  if (!breaking) {
    const { inputs, output } = args.signature;
    reasons.push(
      `the signature matches production version ${version}'s (${inputs.length} features, ${output.classes.length} classes)`,
    );
  } else if (args.rules.allowBreakingSignature) {
    reasons.push(
      `the signature breaks production version ${version}'s (${describeSignatureChange(change)}), allowed by allowBreakingSignature in ${args.policySource}`,
    );
  } else {
    eligible = false;
    reasons.push(
      `the signature breaks production version ${version}'s (${describeSignatureChange(change)}): callers of predict would fail, so the version stays in staging; an admin may allow it with allowBreakingSignature in the model's policy (PUT /models/${args.modelName}/policy)`,
    );
  }
  const production: ProductionStanding =
    scored?.version === version
      ? scored
      : {
          version,
          notScored: inProduction.notScored ?? 'evaluate did not score it',
          waived: breaking && args.rules.allowBreakingSignature,
        };
  return { eligible, reasons, production };
}
