/**
 * `GET /models/{name}/monitoring`: what monitor-model runs found, from the summaries they stored
 * (`monitoring/<name>/<windowEnd>/summary.json`, see functions/monitor-model/handler.py): the latest drift per feature
 * and the figures of every window, oldest first (accuracy and drift over time).
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { artifactRef, type ArtifactRef } from '#baton-contract';
import type { RegistryStore } from '../../../registry/store.ts';

/** What the monitoring routes read of the artifact store (the real one, or a memory one in tests). */
export type MonitoringStore = Pick<RegistryStore, 'bucket' | 'list' | 'readJson'> & {
  getStream(ref: ArtifactRef): Promise<Readable>;
};

/** How many windows the history shows at most (the newest ones). */
export const MONITORING_HISTORY = 100;

const nullableNumber = z.number().nullable();

/** The part of a stored summary the view reads; other fields pass through untouched in the files. */
const storedSummary = z.looseObject({
  model: z.object({ name: z.string(), version: z.string() }),
  window: z.object({ start: z.string(), end: z.string(), hours: z.number() }),
  samples: z.number(),
  features: z.array(
    z.object({ feature: z.string(), psi: z.number(), ksPValue: z.number(), drifted: z.boolean() }).loose(),
  ),
  predictions: z.looseObject({ psi: nullableNumber }),
  drift: z.object({ value: nullableNumber, detected: z.boolean(), features: z.array(z.string()), reason: z.string() }),
  accuracy: z.object({ live: nullableNumber, labeled: z.number(), holdout: nullableNumber }),
  run: z.object({ workflowId: z.string(), runId: z.string() }).optional(),
  /** The report's reference (absent in summaries written before it was recorded). */
  report: artifactRef.optional(),
});

/** One window in the history. */
export const monitoringPoint = z.object({
  windowEnd: z.string(),
  version: z.string(),
  samples: z.number(),
  drift: nullableNumber,
  detected: z.boolean(),
  liveAccuracy: nullableNumber,
  labeled: z.number(),
});

/** The view the route answers. */
export const monitoringView = z.object({
  name: z.string(),
  latest: z
    .object({
      model: z.object({ name: z.string(), version: z.string() }),
      window: z.object({ start: z.string(), end: z.string(), hours: z.number() }),
      samples: z.number(),
      drift: storedSummary.shape.drift,
      features: z.array(z.object({ feature: z.string(), psi: z.number(), ksPValue: z.number(), drifted: z.boolean() })),
      predictionsPsi: nullableNumber,
      accuracy: storedSummary.shape.accuracy,
      run: z.object({ workflowId: z.string(), runId: z.string() }).optional(),
      summary: z.string(),
      report: z.string(),
    })
    .nullable(),
  history: z.array(monitoringPoint),
  /** Summaries that could not be read (named), left out of the view. */
  unreadable: z.array(z.string()),
});
export type MonitoringView = z.infer<typeof monitoringView>;

/** The monitoring view of model `name` from the summaries under `monitoring/<name>/` (none: latest null). */
export async function readMonitoring(
  store: Pick<MonitoringStore, 'bucket' | 'list' | 'readJson'>,
  name: string,
): Promise<MonitoringView> {
  const { summaries, unreadable } = await readSummaries(store, name);
  const history = summaries.map(({ summary }) => ({
    windowEnd: summary.window.end,
    version: summary.model.version,
    samples: summary.samples,
    drift: summary.drift.value,
    detected: summary.drift.detected,
    liveAccuracy: summary.accuracy.live,
    labeled: summary.accuracy.labeled,
  }));
  const last = summaries.at(-1);
  const latest = last && {
    model: last.summary.model,
    window: last.summary.window,
    samples: last.summary.samples,
    drift: last.summary.drift,
    features: last.summary.features.map(({ feature, psi, ksPValue, drifted }) => ({ feature, psi, ksPValue, drifted })),
    predictionsPsi: last.summary.predictions.psi,
    accuracy: last.summary.accuracy,
    ...(last.summary.run ? { run: last.summary.run } : {}),
    summary: `s3://${store.bucket}/${last.key}`,
    report: last.summary.report?.uri ?? `s3://${store.bucket}/monitoring/${name}/${last.folder}report.html`,
  };
  return { name, latest: latest ?? null, history, unreadable };
}

/** The reference of the latest window's report; undefined when the model was never monitored (or before refs). */
export async function latestReport(
  store: Pick<MonitoringStore, 'list' | 'readJson'>,
  name: string,
): Promise<ArtifactRef | undefined> {
  return (await readSummaries(store, name, 1)).summaries.at(-1)?.summary.report;
}

/** The readable ones of the last `limit` summaries of `name`, oldest first, and the keys of unreadable ones. */
async function readSummaries(
  store: Pick<MonitoringStore, 'list' | 'readJson'>,
  name: string,
  limit = MONITORING_HISTORY,
) {
  const prefix = `monitoring/${name}/`;
  // Folders are window ends as YYYYMMDDTHHMMSSZ: sorted by name is sorted by time.
  const folders = (await store.list(prefix))
    .filter((entry) => entry.endsWith('/'))
    .sort()
    .slice(-limit);
  const unreadable: string[] = [];
  const read = await Promise.all(
    folders.map(async (folder) => {
      const key = `${prefix}${folder}summary.json`;
      const stored = await store.readJson(key);
      const parsed = storedSummary.safeParse(stored?.value);
      if (!parsed.success) {
        if (stored) unreadable.push(key);
        return undefined;
      }
      return { key, folder, summary: parsed.data };
    }),
  );
  return { summaries: read.filter((entry) => entry !== undefined), unreadable: unreadable.sort() };
}
