import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayFunction } from './gateway-functions.ts';
import { scaledFunctions } from './scaled-functions.ts';

const settings = { orchestrator: 'baton', targetPerReplica: 20, scaleStepFunctions: true };
const fn = (name: string, over: Partial<GatewayFunction> = {}): GatewayFunction => ({
  name,
  replicas: 1,
  availableReplicas: 1,
  labels: {},
  envVars: {},
  ...over,
});

test('the orchestrator is scaled on its target, step functions on max_inflight, others not at all', () => {
  const { scaled, notes } = scaledFunctions(
    [
      fn('baton', { labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '4' } }),
      fn('train', { replicas: 2, envVars: { max_inflight: '1' }, labels: { 'com.openfaas.scale.max': '3' } }),
      fn('ingest'),
      fn('predict', { envVars: { max_inflight: '0' } }),
    ],
    settings,
  );
  assert.deepEqual(scaled, [
    { name: 'baton', kind: 'orchestrator', replicas: 1, minReplicas: 1, maxReplicas: 4, targetPerReplica: 20 },
    { name: 'train', kind: 'step', replicas: 2, minReplicas: 1, maxReplicas: 3, targetPerReplica: 1 },
  ]);
  assert.deepEqual(notes, []);
});

test('the target label overrides, the enabled label opts out, step scaling can be off', () => {
  const functions = [
    fn('baton', { labels: { 'com.baton.scale.target': '5' } }),
    fn('report', { labels: { 'com.baton.scale.target': '2.5' } }),
    fn('train', { envVars: { max_inflight: '1' }, labels: { 'com.baton.scale.enabled': 'false' } }),
  ];
  assert.deepEqual(
    scaledFunctions(functions, settings).scaled.map((f) => [f.name, f.targetPerReplica, f.maxReplicas]),
    [
      ['baton', 5, 20],
      ['report', 2.5, 20],
    ],
  );
  assert.deepEqual(
    scaledFunctions(functions, { ...settings, scaleStepFunctions: false }).scaled.map((f) => f.name),
    ['baton'],
  );
});

test('labels that do not parse leave the function out, with a note naming the label', () => {
  const { scaled, notes } = scaledFunctions(
    [
      fn('a', { envVars: { max_inflight: 'two' } }),
      fn('b', { envVars: { max_inflight: '1' }, labels: { 'com.openfaas.scale.max': 'lots' } }),
      fn('c', {
        envVars: { max_inflight: '1' },
        labels: { 'com.openfaas.scale.min': '5', 'com.openfaas.scale.max': '2' },
      }),
    ],
    settings,
  );
  assert.deepEqual(scaled, []);
  assert.match(notes[0]!, /function a is not scaled: envVars\.max_inflight must be a number above 0, not "two"/);
  assert.match(notes[1]!, /labels\["com\.openfaas\.scale\.max"\] must be a whole number/);
  assert.match(notes[2]!, /exceeds/);
});
