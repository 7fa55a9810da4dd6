import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { trainClassifierPipeline } from '../../../workflows/train-classifier/definition.ts';
import { buildRunView } from './run-view.ts';
import { defaultPayloadConverter } from '@temporalio/common';

const recorded = historyFromJSON(
  JSON.parse(readFileSync(new URL('../../../test/histories/train-classifier.completed.json', import.meta.url), 'utf8')),
);
const links = { self: 'http://gw/function/baton/runs/r1' };

function description(overrides: Partial<Record<string, unknown>> = {}): WorkflowExecutionDescription {
  return {
    workflowId: 'r1',
    type: 'trainClassifier',
    status: { name: 'COMPLETED' },
    startTime: new Date('2026-01-01T00:00:00Z'),
    closeTime: new Date('2026-01-01T00:00:02Z'),
    raw: { pendingActivities: [] },
    ...overrides,
  } as unknown as WorkflowExecutionDescription;
}

test('a finished run shows every step with its function, attempt and duration, the result, and planned steps it never ran as skipped', () => {
  const view = buildRunView(description(), recorded.events ?? [], trainClassifierPipeline, links);
  assert.equal(view.status, 'completed');
  assert.deepEqual(
    view.steps.map((s) => [s.name, s.function, s.status, s.attempt]),
    [
      ['ingest', 'ingest', 'completed', 1],
      ['train', 'train', 'completed', 1],
      ['evaluate', 'evaluate', 'completed', 1],
      ['register-model', 'register-model', 'completed', 1],
      // Planned steps added after this run was recorded come after the ones it ran.
      ['validate-dataset', 'validate-dataset', 'skipped', 0],
      ['promote-model', 'promote-model', 'skipped', 0],
      ['report', 'report', 'skipped', 0],
    ],
  );
  assert.ok(view.steps.slice(0, 4).every((s) => typeof s.durationMs === 'number' && s.durationMs >= 0));
  assert.equal((view.result as { dataset: { name: string } }).dataset.name, 'breast_cancer');
  assert.equal(view.closedAt, '2026-01-01T00:00:02.000Z');
});

test('a running run shows planned steps as pending and a retrying step with its attempt and last error', () => {
  const firstTwoSteps = (recorded.events ?? []).filter((event) => Number(event.eventId) <= 5);
  const pending = {
    activityId: 'ingest',
    attempt: 3,
    lastFailure: { message: 'function "ingest" failed (503): busy' },
  };
  const view = buildRunView(
    description({ status: { name: 'RUNNING' }, closeTime: undefined, raw: { pendingActivities: [pending] } }),
    firstTwoSteps,
    trainClassifierPipeline,
    links,
  );
  assert.equal(view.status, 'running');
  assert.deepEqual(view.steps[0], {
    name: 'ingest',
    function: 'ingest',
    status: 'retrying',
    attempt: 3,
    error: 'function "ingest" failed (503): busy',
  });
  assert.deepEqual(
    view.steps.slice(1).map((s) => [s.name, s.status]),
    [
      ['validate-dataset', 'pending'],
      ['train', 'pending'],
      ['evaluate', 'pending'],
      ['register-model', 'pending'],
      ['promote-model', 'pending'],
      ['report', 'pending'],
    ],
  );
  assert.equal(view.closedAt, undefined);
});

test("only function calls are steps: the pipeline reading its model's policy is not shown as one", () => {
  const withPolicy = historyFromJSON(
    JSON.parse(
      readFileSync(new URL('../../../test/histories/train-classifier.model-policy.json', import.meta.url), 'utf8'),
    ),
  );
  const activities = (withPolicy.events ?? []).flatMap(
    (event) => event.activityTaskScheduledEventAttributes?.activityId ?? [],
  );
  assert.ok(activities.includes('read-model-policy'), 'precondition: the history has the policy read');
  const view = buildRunView(description(), withPolicy.events ?? [], trainClassifierPipeline, links);
  assert.deepEqual(
    view.steps.map((s) => [s.name, s.status]),
    [
      ['ingest', 'completed'],
      ['validate-dataset', 'completed'],
      ['train', 'completed'],
      ['evaluate', 'completed'],
      ['register-model', 'completed'],
      ['promote-model', 'completed'],
      ['report', 'completed'],
    ],
  );
  const promotion = (view.result as { promotion: { promoted: boolean; policy: { version: number } } }).promotion;
  assert.deepEqual([promotion.promoted, promotion.policy.version], [true, 2]);
});

test('a local step (its marker) shows as completed under its call id, with its attempt and metrics', () => {
  const payloads = (value: unknown) => ({ payloads: [defaultPayloadConverter.toPayload(value)!] });
  const marker = {
    eventId: 5,
    markerRecordedEventAttributes: {
      markerName: 'core_local_activity',
      details: {
        data: payloads({ seq: 1, attempt: 2, activity_id: '1', activity_type: 'invokeFunction' }),
        result: payloads({ output: {}, metrics: { accuracy: 0.9 }, callId: 'evaluate' }),
      },
    },
  };
  const view = buildRunView(
    description({ status: { name: 'RUNNING' }, closeTime: undefined }),
    [marker] as never,
    trainClassifierPipeline,
    links,
  );
  const evaluate = view.steps.find((s) => s.name === 'evaluate');
  assert.deepEqual(
    [evaluate?.function, evaluate?.status, evaluate?.attempt, evaluate?.metrics],
    ['evaluate', 'completed', 2, { accuracy: 0.9 }],
  );
  assert.equal(view.steps[0]?.name, 'evaluate', 'in run order: the first step it ran');
});
