/** The model registry: models, versions with lineage, and stages staging → production → archived, in MinIO/S3. */
export { ModelRegistry, type ModelRegistryOptions } from './registry.ts';
export {
  MODEL_NAME_PATTERN,
  MODEL_STAGES,
  MODEL_VERSION_PATTERN,
  registryKeys,
  versionOf,
  type ModelStage,
} from './layout.ts';
export {
  ModelNotFoundError,
  ModelVersionNotFoundError,
  RegistryConflictError,
  RegistryDocumentError,
  RegistryNotFoundError,
} from './errors.ts';
export type {
  ModelMetadata,
  ModelPolicyDocument,
  PolicyRevision,
  ProductionPointer,
  StageChange,
  StageDocument,
} from './documents.ts';
export { defaultPolicy, POLICY_HISTORY_LIMIT, type ModelPolicyView, type PolicyChangeRequest } from './policy.ts';
export type { ModelSummary, ModelVersionView, ModelView } from './read.ts';
export type { Registration, RegistrationRequest } from './register.ts';
export type { StageChangeResult, StageRequest } from './stages.ts';
export type { RegistryStore } from './store.ts';
export { memoryRegistryStore, type MemoryRegistryStore } from './memory-store.ts';
