/**
 * `GET /models/{name}/monitoring/report`: the latest monitoring window's HTML report, streamed from the artifact
 * store. Where it is comes from the window's summary (the reference monitor-model recorded), so its size and sha256
 * are checked as the bytes pass, and it is served with the run report's headers (no script may run, nothing loads).
 */
import type { Readable } from 'node:stream';
import { latestReport, type MonitoringStore } from './model-monitoring.ts';
import { htmlReportResponse } from './report-routes.ts';
import { TriggerApiError } from './trigger-api-error.ts';

/** The response serving the latest report of model `name`; a 404 naming the model when there is none. */
export async function monitoringReport(store: MonitoringStore, name: string): Promise<Response> {
  const ref = await latestReport(store, name);
  if (!ref)
    throw new TriggerApiError(
      404,
      `model "${name}" has no monitoring report: run the monitor-model pipeline with {"modelName": "${name}"}`,
      undefined,
      { model: name },
    );
  let body: Readable;
  try {
    body = await store.getStream(ref);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound')
      throw new TriggerApiError(404, `the monitoring report ${ref.uri} is no longer in the artifact store`, undefined, {
        model: name,
      });
    throw error;
  }
  return htmlReportResponse(body, ref.size);
}
