import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadStackFiles } from '../deploy/local/stack-file.ts';
import { parseWatchdogDuration } from '../deploy/local/duration.ts';
import { pipelines } from './catalog.ts';
import { stepPresets } from './step-presets.ts';

test('timeout chain: each step\'s start-to-close outlasts its function\'s watchdog and gateway timeouts', async () => {
  const stack = await loadStackFiles([fileURLToPath(new URL('../stack.yml', import.meta.url))]);
  const functions = new Map(stack.functions.map((fn) => [fn.name, fn]));
  for (const step of pipelines.flatMap((pipeline) => pipeline.steps)) {
    const fn = functions.get(step.function);
    assert.ok(fn, `step "${step.name}" calls "${step.function}", which stack.yml does not define`);
    const startToCloseMs = parseWatchdogDuration(String(stepPresets[step.preset].startToCloseTimeout))!;
    const watchdogMs = Math.max(fn.timeouts.execMs, fn.timeouts.writeMs);
    assert.ok(startToCloseMs > watchdogMs + 5000,
      `step "${step.name}": preset "${step.preset}" start-to-close ${startToCloseMs} ms must exceed ${step.function}'s watchdog timeout ${watchdogMs} ms plus the gateway's margin`);
  }
});
