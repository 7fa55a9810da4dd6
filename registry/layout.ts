/**
 * Where the model registry keeps things in the artifact bucket (the contract between the TypeScript writer and the
 * Python readers, see docs/contracts.md "Model registry"):
 *
 *   models/<name>/<version>/model.skops   the model file
 *   models/<name>/<version>/model.json    immutable metadata and lineage, written once
 *   models/<name>/<version>/stage.json    mutable stage and its history
 *   models/<name>/production.json         mutable pointer: the single source of truth of what is in production
 *   models/<name>/policy.json             mutable, versioned: the model's promotion rules (absent: the default policy)
 */

/** Model names become storage keys and URL segments: lowercase letters, digits and dashes, at most 63. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A version is the first 12 hex of the model file's sha256: a retried registration gives the same version. */
export const MODEL_VERSION_PATTERN = /^[0-9a-f]{12}$/;

/** The stages of a version, in their usual order. */
export const MODEL_STAGES = ['staging', 'production', 'archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** The registry version of a model file: the first 12 hex of its sha256. */
export function versionOf(sha256: string): string {
  return sha256.slice(0, 12);
}

export const MODELS_PREFIX = 'models/';

/** Keys of one model and its versions. */
export const registryKeys = {
  model: (name: string) => `${MODELS_PREFIX}${name}/`,
  production: (name: string) => `${MODELS_PREFIX}${name}/production.json`,
  policy: (name: string) => `${MODELS_PREFIX}${name}/policy.json`,
  version: (name: string, version: string) => `${MODELS_PREFIX}${name}/${version}/`,
  modelFile: (name: string, version: string) => `${MODELS_PREFIX}${name}/${version}/model.skops`,
  metadata: (name: string, version: string) => `${MODELS_PREFIX}${name}/${version}/model.json`,
  stage: (name: string, version: string) => `${MODELS_PREFIX}${name}/${version}/stage.json`,
};
