/**
 * Reading the registry: models, their versions and each version's stage. The production pointer is the truth about
 * what serves: a version's stage.json that still says "production" while the pointer names another version (a
 * promotion stopped halfway, or two raced) reads as "archived", which is what the unfinished promotion meant.
 */
import {
  modelMetadata,
  productionPointer,
  stageDocument,
  type ModelMetadata,
  type ProductionPointer,
  type StageChange,
  type StageDocument,
} from './documents.ts';
import { ModelNotFoundError, ModelVersionNotFoundError } from './errors.ts';
import { MODEL_NAME_PATTERN, MODELS_PREFIX, registryKeys, type ModelStage } from './layout.ts';
import { readDocument, type RegistryStore } from './store.ts';
import { signatureOf } from '../workflows/promotion/signature.ts';

/**
 * One version as the registry shows it: its metadata and lineage, plus its stage. `signature` is always there (made
 * from features and classes for versions registered before signatures); clients of older servers may lack it.
 */
export interface ModelVersionView extends ModelMetadata {
  stage: ModelStage;
  /** When the version got its current stage. */
  stageChangedAt: string;
  /** Every stage change, oldest first. */
  stageHistory: StageChange[];
}

/** A model: what is in production (null: nothing) and every version, newest first. */
export interface ModelView {
  name: string;
  production: ProductionPointer | null;
  versions: ModelVersionView[];
}

/** A model in the registry's list. */
export interface ModelSummary {
  name: string;
  versionCount: number;
  production: { version: string; promotedAt: string; metrics: Record<string, number> } | null;
  latest: { version: string; registeredAt: string; stage: ModelStage; metrics: Record<string, number> };
}

/** The stage a version is in, given its stage.json (absent for versions registered before stages) and the pointer. */
export function effectiveStage(
  metadata: ModelMetadata,
  stage: StageDocument | undefined,
  pointer: ProductionPointer | undefined,
): { stage: ModelStage; changedAt: string } {
  if (pointer?.version === metadata.version) {
    return { stage: 'production', changedAt: stage?.stage === 'production' ? stage.changedAt : pointer.promotedAt };
  }
  if (stage?.stage === 'production') return { stage: 'archived', changedAt: pointer?.promotedAt ?? stage.changedAt };
  return { stage: stage?.stage ?? 'staging', changedAt: stage?.changedAt ?? metadata.registeredAt };
}

/** The names of the registered models (those with at least one folder under models/), sorted. */
export async function modelNames(store: RegistryStore): Promise<string[]> {
  const entries = await store.list(MODELS_PREFIX);
  return entries
    .filter((entry) => entry.endsWith('/'))
    .map((entry) => entry.slice(0, -1))
    .filter((name) => MODEL_NAME_PATTERN.test(name))
    .sort();
}

/** The version folders of a model (whether or not their registration finished). */
export async function versionFolders(store: RegistryStore, name: string): Promise<string[]> {
  const entries = await store.list(registryKeys.model(name));
  return entries.filter((entry) => entry.endsWith('/')).map((entry) => entry.slice(0, -1));
}

/** The production pointer of a model, if any. */
export async function readProduction(store: RegistryStore, name: string): Promise<ProductionPointer | undefined> {
  return (await readDocument(store, registryKeys.production(name), productionPointer))?.value;
}

/** One version's view, or undefined when it has no model.json (never registered, or still registering). */
export async function readVersion(
  store: RegistryStore,
  name: string,
  version: string,
  pointer: ProductionPointer | undefined,
): Promise<ModelVersionView | undefined> {
  const [metadata, stage] = await Promise.all([
    readDocument(store, registryKeys.metadata(name, version), modelMetadata),
    readDocument(store, registryKeys.stage(name, version), stageDocument),
  ]);
  if (!metadata) return undefined;
  const current = effectiveStage(metadata.value, stage?.value, pointer);
  return {
    ...metadata.value,
    // Versions registered before signatures: the one their features and classes make (what predict checks).
    signature: metadata.value.signature ?? signatureOf(metadata.value),
    stage: current.stage,
    stageChangedAt: current.changedAt,
    stageHistory: stage?.value.history ?? [],
  };
}

/** A model with every registered version, newest first; ModelNotFoundError when it has none. */
export async function readModel(store: RegistryStore, name: string): Promise<ModelView> {
  if (!MODEL_NAME_PATTERN.test(name)) throw new ModelNotFoundError(name);
  const [folders, pointer] = await Promise.all([versionFolders(store, name), readProduction(store, name)]);
  const versions = (await Promise.all(folders.map((version) => readVersion(store, name, version, pointer))))
    .filter((view): view is ModelVersionView => view !== undefined)
    .sort((a, b) => b.registeredAt.localeCompare(a.registeredAt) || a.version.localeCompare(b.version));
  if (versions.length === 0) throw new ModelNotFoundError(name);
  return { name, production: pointer ?? null, versions };
}

/** One version; ModelVersionNotFoundError (or ModelNotFoundError when the model has no version at all). */
export async function readModelVersion(store: RegistryStore, name: string, version: string): Promise<ModelVersionView> {
  if (!MODEL_NAME_PATTERN.test(name)) throw new ModelNotFoundError(name);
  const pointer = await readProduction(store, name);
  const view = /^[0-9a-z-]{1,64}$/.test(version) ? await readVersion(store, name, version, pointer) : undefined;
  if (view) return view;
  await readModel(store, name); // throws ModelNotFoundError when the whole model is unknown
  throw new ModelVersionNotFoundError(name, version);
}

/** Every model, with its production and latest version. */
export async function readModelList(store: RegistryStore): Promise<ModelSummary[]> {
  const models = await Promise.all(
    (await modelNames(store)).map((name) =>
      readModel(store, name).catch((error: unknown) => {
        if (error instanceof ModelNotFoundError) return undefined; // a folder without a finished registration
        throw error;
      }),
    ),
  );
  return models.filter((model): model is ModelView => model !== undefined).map(summarize);
}

function summarize(model: ModelView): ModelSummary {
  const latest = model.versions[0]!;
  const production = model.production
    ? model.versions.find((version) => version.version === model.production!.version)
    : undefined;
  return {
    name: model.name,
    versionCount: model.versions.length,
    production: model.production
      ? {
          version: model.production.version,
          promotedAt: model.production.promotedAt,
          metrics: production?.metrics ?? {},
        }
      : null,
    latest: {
      version: latest.version,
      registeredAt: latest.registeredAt,
      stage: latest.stage,
      metrics: latest.metrics,
    },
  };
}
