import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadStackFiles } from '../deploy/local/stack-file.ts';
import { parseWatchdogDuration } from '../template/baton-node/duration.ts';
import { steps } from './catalog.ts';
import { stepPresets } from './step-presets.ts';

test("timeout chain: each step's start-to-close outlasts its function's watchdog and gateway timeouts", async () => {
  const stack = await loadStackFiles([fileURLToPath(new URL('../stack.yml', import.meta.url))]);
  const functions = new Map(stack.functions.map((fn) => [fn.name, fn]));
  for (const step of steps) {
    const fn = functions.get(step.function);
    assert.ok(fn, `step "${step.name}" calls "${step.function}", which stack.yml does not define`);
    const startToCloseMs = parseWatchdogDuration(String(stepPresets[step.preset].startToCloseTimeout))!;
    const watchdogMs = Math.max(fn.timeouts.execMs, fn.timeouts.writeMs);
    assert.ok(
      startToCloseMs > watchdogMs + 5000,
      `step "${step.name}": preset "${step.preset}" start-to-close ${startToCloseMs} ms must exceed ${step.function}'s watchdog timeout ${watchdogMs} ms plus the gateway's margin`,
    );
  }
});

test('long steps report progress often enough that a live attempt never misses its heartbeat timeout', async () => {
  const stack = await loadStackFiles([fileURLToPath(new URL('../stack.yml', import.meta.url))]);
  const functions = new Map(stack.functions.map((fn) => [fn.name, fn]));
  const longSteps = steps.filter((step) => step.mode === 'async');
  assert.ok(longSteps.length > 0);
  for (const step of longSteps) {
    const preset = stepPresets[step.preset] as { heartbeatTimeout?: string };
    assert.ok(
      preset.heartbeatTimeout,
      `step "${step.name}": a long step needs a heartbeat timeout to notice a dead attempt`,
    );
    const heartbeatMs = parseWatchdogDuration(preset.heartbeatTimeout)!;
    const intervalMs = Number(functions.get(step.function)?.environment.BATON_PROGRESS_INTERVAL ?? 5) * 1000;
    assert.ok(
      heartbeatMs >= 2.5 * intervalMs,
      `step "${step.name}": keep-alive every ${intervalMs} ms leaves too little margin under a ${heartbeatMs} ms heartbeat timeout`,
    );
  }
});
