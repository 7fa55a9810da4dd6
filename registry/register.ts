/**
 * Registering a model version: the model file under its content-derived version, model.json written once, and a
 * new version's stage.json in staging. Every write is idempotent, so a retried registration (a Temporal retry, or
 * the same model trained twice) gives the same version and changes nothing that is already there.
 */
import type { ArtifactRef } from '../template/baton-node/step-contract.ts';
import { signatureOf } from '../workflows/promotion/signature.ts';
import { stageDocument, type ModelMetadata } from './documents.ts';
import { MODEL_NAME_PATTERN, registryKeys, versionOf, type ModelStage } from './layout.ts';
import { readProduction, readVersion } from './read.ts';
import { updateDocument, type RegistryStore } from './store.ts';

/** What a registration records; `lineage.trainedArtifact` is the `artifact` itself. */
export interface RegistrationRequest {
  name: string;
  /** The trained model file (skops); it is copied to models/<name>/<version>/model.skops. */
  artifact: ArtifactRef;
  format: string;
  type: string;
  params: Record<string, unknown>;
  features: string[];
  classes: (string | number)[];
  target?: string;
  metrics: Record<string, number>;
  lineage: {
    dataset: { name: string; version: string; uri: string };
    run: { pipeline: string; workflowId: string; runId: string; step: string };
    /** The pipeline's input parameters, when it passes them. */
    parameters?: Record<string, unknown>;
    /** The code the model was trained with (`BATON_CODE_VERSION`). */
    codeVersion: string;
    evaluationReport: string;
  };
  /** Who registers (recorded in the first stage change). */
  by: string;
  reason?: string;
}

/** A registered version. */
export interface Registration {
  name: string;
  version: string;
  /** The registry's copy of the model file. */
  model: ArtifactRef;
  /** model.json. */
  metadata: ArtifactRef;
  /** False when this version was already registered (nothing was rewritten). */
  created: boolean;
  stage: ModelStage;
}

export async function registerVersion(
  store: RegistryStore,
  request: RegistrationRequest,
  now: () => Date,
): Promise<Registration> {
  const { name } = request;
  if (!MODEL_NAME_PATTERN.test(name))
    throw new RangeError(`model name "${name}" must be lowercase letters, digits and dashes (at most 63)`);
  const version = versionOf(request.artifact.sha256);
  const registeredAt = now().toISOString();
  const model = await store.copy(request.artifact, registryKeys.modelFile(name, version));
  const metadataKey = registryKeys.metadata(name, version);
  const metadata: ModelMetadata = {
    name,
    version,
    registeredAt,
    model: { uri: model.uri, sha256: model.sha256, size: model.size, format: request.format, type: request.type },
    params: request.params,
    features: request.features,
    classes: request.classes,
    ...(request.target !== undefined ? { target: request.target } : {}),
    signature: signatureOf(request),
    metrics: request.metrics,
    lineage: { ...request.lineage, trainedArtifact: request.artifact.uri },
  };
  // Written once: when it is already there (a retry, or a concurrent twin), the first registration stands.
  const written = await store.putJsonIf(metadataKey, metadata, null);
  const metadataRef = written ?? (await store.ref(metadataKey));
  await updateDocument(store, registryKeys.stage(name, version), stageDocument, (current) =>
    current
      ? undefined
      : {
          stage: 'staging' as const,
          changedAt: registeredAt,
          history: [
            { stage: 'staging' as const, at: registeredAt, by: request.by, reason: request.reason ?? 'registered' },
          ],
        },
  );
  const view = await readVersion(store, name, version, await readProduction(store, name));
  return {
    name,
    version,
    model,
    metadata: metadataRef,
    created: written !== undefined,
    stage: view?.stage ?? 'staging',
  };
}
