/**
 * The exactly-once check of the load benchmark: the bench functions append one JSON line per call they served
 * (`{callId, workflowId, step, attempt}`, bench/fixtures/functions/sleep-*) to `<dir>/<function>.log`. A call id seen
 * twice is a call delivered twice (a duplicate effect); a step of a run with no line is a step whose effect is lost.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One served call, as the function logged it. */
interface Effect {
  callId: string;
  workflowId: string;
  step: string;
  attempt: number;
}

/** What the logs say about the runs checked. */
export interface EffectsCheck {
  /** Lines logged for the runs checked. */
  calls: number;
  /** Call ids logged more than once (the same call served twice). */
  duplicateCallIds: string[];
  /** `workflowId/step` pairs expected but never logged. */
  missing: string[];
  /** `workflowId/step` pairs served by more than one attempt (retries: each attempt has its own call id). */
  retriedSteps: string[];
}

/** Reads every `*.log` of `dir` and checks the calls of `workflowIds`, each expected to run each of `steps`. */
export async function checkEffects(
  dir: string,
  workflowIds: readonly string[],
  steps: readonly string[],
): Promise<EffectsCheck> {
  const wanted = new Set(workflowIds);
  const effects: Effect[] = [];
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.log'))) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (!line) continue;
      const effect = JSON.parse(line) as Effect;
      if (wanted.has(effect.workflowId)) effects.push(effect);
    }
  }
  const perCall = countBy(effects, (effect) => effect.callId);
  const perStep = new Map<string, Set<number>>();
  for (const effect of effects) {
    const key = `${effect.workflowId}/${effect.step}`;
    perStep.set(key, (perStep.get(key) ?? new Set()).add(effect.attempt));
  }
  const expected = workflowIds.flatMap((id) => steps.map((step) => `${id}/${step}`));
  return {
    calls: effects.length,
    duplicateCallIds: [...perCall].filter(([, count]) => count > 1).map(([callId]) => callId),
    missing: expected.filter((key) => !perStep.has(key)),
    retriedSteps: [...perStep].filter(([, attempts]) => attempts.size > 1).map(([key]) => key),
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
