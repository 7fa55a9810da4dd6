/**
 * Moving a version between stages. production.json is the single source of truth of what serves, so it changes
 * first on a promotion (compare-and-swap: of two racing promotions, the later one wins and both see a consistent
 * pointer) and last on a demotion; the versions' stage.json files follow. Calling again with the same stage
 * finishes what an interrupted call left undone and otherwise changes nothing.
 */
import { productionPointer, stageDocument, type StageChange, type StageDocument } from './documents.ts';
import { registryKeys, type ModelStage } from './layout.ts';
import { readModelVersion, readProduction, versionFolders } from './read.ts';
import { updateDocument, type RegistryStore } from './store.ts';

/** Who asks for a stage change and why; both are recorded in the version's history and the pointer. */
export interface StageRequest {
  by: string;
  reason?: string;
}

/** What a stage change did. */
export interface StageChangeResult {
  name: string;
  version: string;
  stage: ModelStage;
  /** The version this call took out of production (the replaced one, or the demoted one itself); null when none. */
  previousProduction: string | null;
  /** False when the version already had that stage and nothing was written. */
  changed: boolean;
}

export async function changeStage(
  store: RegistryStore,
  name: string,
  version: string,
  stage: ModelStage,
  request: StageRequest,
  now: () => Date,
): Promise<StageChangeResult> {
  const view = await readModelVersion(store, name, version); // NotFound errors for unknown models and versions
  const at = now().toISOString();
  const reason = request.reason ?? '';
  const entry = (target: ModelStage, why = reason): StageChange => ({ stage: target, at, by: request.by, reason: why });
  const setStage = (target: ModelStage, change: StageChange) => (current: StageDocument | undefined) =>
    current?.stage === target
      ? undefined
      : { ...current, stage: target, changedAt: at, history: [...(current?.history ?? []), change] };

  if (stage === 'production') {
    let replaced: string | null = null;
    const pointed = await updateDocument(store, registryKeys.production(name), productionPointer, (current) => {
      replaced = current && current.version !== version ? current.version : null;
      if (current?.version === version) return undefined;
      return {
        version,
        model: { uri: view.model.uri, sha256: view.model.sha256, size: view.model.size },
        promotedAt: at,
        by: request.by,
        reason,
      };
    });
    const staged = await updateDocument(
      store,
      registryKeys.stage(name, version),
      stageDocument,
      setStage('production', entry('production')),
    );
    // Whatever else still says "production" has left it, unless a racing promotion made it the pointer meanwhile.
    const serving = (await readProduction(store, name))?.version;
    let archivedAny = false;
    for (const other of await versionFolders(store, name)) {
      if (other === version || other === serving) continue;
      const why = `replaced in production by ${version}${reason ? `: ${reason}` : ''}`;
      const archived = await updateDocument(store, registryKeys.stage(name, other), stageDocument, (current) =>
        current?.stage === 'production' ? setStage('archived', entry('archived', why))(current) : undefined,
      );
      if (archived) {
        archivedAny = true;
        replaced ??= other;
      }
    }
    return { name, version, stage, previousProduction: replaced, changed: pointed || staged || archivedAny };
  }

  // Out of production: the version's own stage first, so that a call stopped halfway leaves the pointer (the truth)
  // still naming it, and a retry completes the demotion.
  const staged = await updateDocument(
    store,
    registryKeys.stage(name, version),
    stageDocument,
    setStage(stage, entry(stage)),
  );
  const pointer = await readProduction(store, name);
  const demoted = pointer?.version === version;
  // S3 has no conditional delete: a promotion landing between this read and the removal would be undone (see docs).
  if (demoted) await store.remove(registryKeys.production(name));
  return { name, version, stage, previousProduction: demoted ? version : null, changed: staged || demoted };
}
