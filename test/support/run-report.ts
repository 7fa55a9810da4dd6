/**
 * Helpers of the report tests on the real stack: a finished run's input and step outputs (from its Temporal
 * history), the report step's input built from them exactly as the pipelines pass it, a direct call of the report
 * function through the gateway, and the checks every rendered report must pass.
 */
import assert from 'node:assert/strict';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ArtifactRef } from '#baton-contract';
import { ArtifactStore } from '../../template/baton-node/artifacts.ts';
import type { ReportInput } from '../../functions/report/schema.ts';
import { fetchDecodedHistory } from '../../functions/baton/codec/decode-history.ts';
import { connectTemporal } from './temporal-client.ts';
import type { TestStack } from './test-stack.ts';
import { postSignedStep } from './step-call.ts';

/** What a finished run was given and what each of its steps (by activity id) returned. */
export interface RunRecord {
  input: Record<string, unknown>;
  outputs: Record<string, Record<string, unknown>>;
}

/** Reads a run's input and its completed steps' outputs from its history. */
export async function runRecord(stack: TestStack, runId: string): Promise<RunRecord> {
  const { client, connection } = await connectTemporal(stack);
  try {
    const history = await fetchDecodedHistory(client, runId);
    const activityIds = new Map<string, string>();
    const record: RunRecord = { input: {}, outputs: {} };
    const decode = (payloads: unknown) =>
      defaultPayloadConverter.fromPayload(
        (payloads as Parameters<typeof defaultPayloadConverter.fromPayload>[0][])[0]!,
      );
    for (const event of history.events ?? []) {
      const started = event.workflowExecutionStartedEventAttributes;
      if (started?.input?.payloads) record.input = decode(started.input.payloads) as Record<string, unknown>;
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) activityIds.set(String(event.eventId), scheduled.activityId ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed?.result?.payloads) {
        record.outputs[activityIds.get(String(completed.scheduledEventId)) ?? '?'] = (
          decode(completed.result.payloads) as { output: Record<string, unknown> }
        ).output;
      }
    }
    return record;
  } finally {
    await connection.close();
  }
}

/** The report step's input for a train-classifier(-resumable) run: what the pipelines pass it. */
export function reportInputOf(pipeline: string, runId: string, run: RunRecord): ReportInput {
  type Ref = { uri: string };
  const { dataset } = run.outputs.ingest as { dataset: { name: string; version: string; data: Ref } };
  const trained = (run.outputs['train-epochs'] ?? run.outputs.train) as {
    model: { type: string; params: Record<string, unknown> };
    curve?: ArtifactRef;
  };
  const evaluation = run.outputs.evaluate as {
    metrics: Record<string, number>;
    confusionMatrix: number[][];
    labels: (string | number)[];
  };
  const registered = run.outputs['register-model'] as { modelName: string; version: string; model: Ref };
  return {
    pipeline,
    runId,
    parameters: run.input,
    dataset: { name: dataset.name, version: dataset.version, uri: dataset.data.uri },
    model: {
      name: registered.modelName,
      version: registered.version,
      uri: registered.model.uri,
      type: trained.model.type,
      params: trained.model.params,
    },
    evaluation: { metrics: evaluation.metrics, confusionMatrix: evaluation.confusionMatrix, labels: evaluation.labels },
    ...(trained.curve ? { curve: trained.curve } : {}),
    temporalUiPath: `/namespaces/default/workflows/${encodeURIComponent(runId)}`,
  };
}

/**
 * Calls the report function through the gateway as the invoke activity would, under its own workflow id (so the
 * pipeline's own report, if any, is left alone); answers the stored report's reference.
 */
export async function callReportFunction(
  stack: TestStack,
  workflowId: string,
  pipeline: string,
  input: ReportInput,
): Promise<ArtifactRef> {
  const response = await postSignedStep(
    stack,
    'report',
    { input, run: { workflowId, runId: 'direct-call', pipeline, step: 'report', attempt: 1 } },
    { 'X-Call-Id': `${workflowId}:report:1` },
  );
  const body = (await response.json()) as { output?: { report: ArtifactRef }; error?: unknown };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.output!.report;
}

/** The stack's artifact store, as a test reads it. */
export function artifactStoreOf(stack: TestStack): ArtifactStore {
  return new ArtifactStore({
    endpoint: new URL(stack.minioUrl),
    region: 'us-east-1',
    bucket: 'baton-artifacts',
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
}

/** What every report of a finished run must show. */
export function checkReportPage(
  page: string,
  expected: {
    runId: string;
    epochs?: number;
    classes: number;
    holdoutRows: number;
    datasetUri: string;
    modelUri: string;
  },
): void {
  assert.match(page, /^<!doctype html>/);
  assert.ok(page.includes(`<title>`) && page.includes(expected.runId), 'the run id is in the page');
  assert.doesNotMatch(page, /<script|<link|<img|@import|url\(/i, 'no external asset, no script');
  if (expected.epochs !== undefined) {
    assert.match(page, /<svg class="chart line-chart"/);
    for (const series of ['loss', 'accuracy']) {
      const d = new RegExp(`<path class="line" data-series="${series}" d="([^"]*)"`).exec(page)?.[1] ?? '';
      assert.equal(d.match(/[ML]/g)?.length, expected.epochs, `${series}: one point per epoch on its line`);
      assert.equal(
        page.match(new RegExp(`<circle class="point" data-series="${series}"`, 'g'))?.length,
        expected.epochs,
      );
    }
  } else {
    assert.match(page, /trains in one fit/);
  }
  const counts = [...page.matchAll(/<g class="cell[^"]*" data-row="\d+" data-col="\d+" data-count="(\d+)">/g)].map(
    (m) => Number(m[1]),
  );
  assert.equal(counts.length, expected.classes ** 2, 'one confusion-matrix cell per (true, predicted) pair');
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    expected.holdoutRows,
    'the cells count every holdout row',
  );
  assert.ok(page.includes(expected.datasetUri) && page.includes(expected.modelUri), 'the lineage names both artifacts');
}
