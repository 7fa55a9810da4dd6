/**
 * `GET /runs/{runId}/report`: the run's HTML report, streamed from the artifact store. Where it is comes from the
 * run's own history (the output of its completed `report` activity), so the reference's size and sha256 are
 * checked as the bytes pass and only a report the run really produced is ever served.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { artifactRef, type ArtifactRef } from '#baton-contract';
import { ArtifactStore, artifactStoreConfigFromEnv } from '../../../template/baton-node/artifacts.ts';
import { codecsOf, decodeHistory } from '../codec/decode-history.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import type { RouteDocs } from './route-doc.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity id (step name) whose output `{report: ArtifactRef}` is the run's report. */
export const REPORT_ACTIVITY_ID = 'report';

/** The report page may load nothing: it is self-contained (inline CSS and SVG, no script). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** A self-contained HTML report streamed as it is stored: nothing it holds may run or load anything. */
export function htmlReportResponse(body: Readable, size: number): Response {
  return new Response(Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(size),
      'cache-control': 'no-cache',
      'content-security-policy': REPORT_CSP,
      'x-content-type-options': 'nosniff',
    },
  });
}

/** What the route reads of the artifact store (the real one, or a fake in tests). */
export interface ReportStore {
  getStream(ref: ArtifactRef): Promise<Readable>;
}

/** What the report route needs. */
export interface ReportDeps {
  client: Client;
  /** Default: the artifact store of the orchestrator's S3 settings and secrets, created on first use. */
  store?: () => ReportStore;
}

/** The reference in the output of the run's last completed `report` activity, if any. */
export function findReport(events: readonly HistoryEvent[]): ArtifactRef | undefined {
  const reportCalls = new Set<string>();
  let found: ArtifactRef | undefined;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityId === REPORT_ACTIVITY_ID)
      reportCalls.add(String(event.eventId));
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed || !reportCalls.has(String(completed.scheduledEventId))) continue;
    const first = completed.result?.payloads?.[0];
    const result = first
      ? (defaultPayloadConverter.fromPayload(first) as { output?: { report?: unknown } } | undefined)
      : undefined;
    const ref = artifactRef.safeParse(result?.output?.report);
    if (ref.success) found = ref.data;
  }
  return found;
}

/** `GET /{runId}/report`, mounted under `/runs`. */
export function reportRoutes(deps: ReportDeps): Hono {
  let shared: ReportStore | undefined;
  const store = deps.store ?? (() => (shared ??= new ArtifactStore(artifactStoreConfigFromEnv())));
  const app = new Hono();

  app.get('/:runId/report', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    let status: string;
    try {
      status = (await handle.describe()).status.name.toLowerCase();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new TriggerApiError(404, `no run "${runId}"`);
      throw error;
    }
    const history = await decodeHistory(codecsOf(deps.client), await handle.fetchHistory());
    const ref = findReport(history.events ?? []);
    if (!ref) {
      throw new TriggerApiError(
        404,
        status === 'running'
          ? `run "${runId}" has no report yet: it is still running, and its report step comes last`
          : `run "${runId}" has no report: it ended ${status} without a completed "${REPORT_ACTIVITY_ID}" step (its pipeline may have none)`,
        undefined,
        { runId, status },
      );
    }
    let body: Readable;
    try {
      body = await store().getStream(ref);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'NoSuchKey' || code === 'NotFound')
        throw new TriggerApiError(
          404,
          `the report of run "${runId}" (${ref.uri}) is no longer in the artifact store`,
          undefined,
          { runId, status },
        );
      throw error;
    }
    return htmlReportResponse(body, ref.size);
  });

  return app;
}

/** The report route in the OpenAPI document. */
export const reportRouteDocs: RouteDocs = {
  'GET /runs/:runId/report': {
    tag: 'runs',
    summary: "A run's HTML report (self-contained: no script, nothing loaded)",
    responses: {
      200: { description: 'The report', contentType: 'text/html' },
      404: 'No such run, or it has no report (yet)',
    },
  },
};
