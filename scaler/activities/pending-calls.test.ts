import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepDefinition } from '../../workflows/step-definition.ts';
import { countPendingCalls, pendingCallsQuery, stepsByFunction } from './pending-calls.ts';

test('steps are grouped by the function they call', () => {
  const steps = new Map([
    ['train', { name: 'train', function: 'train' }],
    ['train-again', { name: 'train-again', function: 'train' }],
    ['ingest', { name: 'ingest', function: 'ingest' }],
  ]) as unknown as Map<string, StepDefinition>;
  assert.deepEqual(
    [...stepsByFunction(steps)],
    [
      ['train', ['train', 'train-again']],
      ['ingest', ['ingest']],
    ],
  );
});

test('pending calls are running runs of the task queue at one of the steps', async () => {
  assert.equal(
    pendingCallsQuery('baton-pipelines', ['train', "o'k"]),
    "ExecutionStatus = 'Running' AND TaskQueue = 'baton-pipelines' AND BatonStep IN ('train', 'o\\'k')",
  );
  const queries: string[] = [];
  const client = { workflow: { count: async (query: string) => (queries.push(query), { count: 7, groups: [] }) } };
  assert.equal(await countPendingCalls(client as never, 'q', ['train']), 7);
  assert.equal(await countPendingCalls(client as never, 'q', []), 0, 'a function no step calls has no pending calls');
  assert.equal(queries.length, 1);
});
