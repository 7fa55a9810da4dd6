import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { EncryptionCodec } from '../functions/baton/codec/encryption-codec.ts';
import { parseCodecKeys } from '../functions/baton/codec/keys.ts';
import { workflowTracingModule } from '../functions/baton/telemetry/tracing.ts';
import { PIPELINE_INTERCEPTOR_MODULES, PRELOADED_PIPELINE_MODULES } from '../functions/baton/workflow-code.ts';

/**
 * Replays recorded histories of real runs against today's workflow code: a change that would break runs
 * already in flight (a reordered step, a new activity in the middle) fails here as a non-determinism error.
 * Record a history with `temporal workflow show -w <runId> -o json > test/histories/<name>.json`.
 */
const historiesDir = fileURLToPath(new URL('../test/histories/', import.meta.url));
const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
// As the orchestrator bundles them: zod preloaded and shared (frozen) by the runs of a workflow thread.
const bundlerOptions = { preloadModules: PRELOADED_PIPELINE_MODULES };
const histories = readdirSync(historiesDir).filter((name) => name.endsWith('.json'));
// As in production, with the payload codec: histories recorded before encryption pass through it unchanged.
const dataConverter = {
  payloadCodecs: [new EncryptionCodec(parseCodecKeys(`replay:${randomBytes(32).toString('base64')}`))],
};

test('recorded histories exist', () => assert.ok(histories.length > 0));

// Tracing adds interceptors to the workflows (and a bundle always has them): they must not change any command.
const tracing = {
  interceptors: { workflowModules: [...PIPELINE_INTERCEPTOR_MODULES, workflowTracingModule()] },
  sinks: { exporter: { export: { fn: () => {} } } },
};

for (const name of histories) {
  test(`replays ${name} without non-determinism`, async () => {
    const history = JSON.parse(readFileSync(historiesDir + name, 'utf8')) as unknown;
    // With the workers' interceptors (run metrics): they must not change what a workflow commands.
    await Worker.runReplayHistory(
      { workflowsPath, bundlerOptions, dataConverter, interceptors: { workflowModules: PIPELINE_INTERCEPTOR_MODULES } },
      history,
      name.replace(/\.json$/, ''),
    );
  });
  test(`replays ${name} without non-determinism with the tracing interceptors`, async () => {
    const history = JSON.parse(readFileSync(historiesDir + name, 'utf8')) as unknown;
    await Worker.runReplayHistory(
      { workflowsPath, bundlerOptions, dataConverter, ...tracing },
      history,
      name.replace(/\.json$/, ''),
    );
  });
}
