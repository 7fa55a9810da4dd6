/**
 * A small client of the trigger API through the gateway: start a run, follow it until it closes.
 * Used by `npm start`'s demo and by the integration tests.
 */
import type { RunView, StepView } from '../../functions/baton/api/run-view.ts';

/** The answer to `POST /runs`. */
export interface TriggeredRun {
  runId: string;
  workflowId: string;
  pipeline: string;
  status: string;
  links: { self: string; temporalUi?: string };
}

/** Starts a run; throws with the API's error message (and failing fields) on a non-2xx answer. */
export async function triggerRun(gatewayUrl: string, body: { pipeline: string; input?: unknown; runId?: string }): Promise<TriggeredRun> {
  const response = await fetch(`${gatewayUrl}/function/baton/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as TriggeredRun & { error?: { message: string; issues?: { path: string; message: string }[] } };
  if (!response.ok) {
    const issues = json.error?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new Error(`POST /runs answered ${response.status}: ${json.error?.message ?? 'no message'}${issues ? ` (${issues})` : ''}`);
  }
  return json;
}

/** Reads a run's current view. */
export async function getRun(gatewayUrl: string, runId: string): Promise<RunView> {
  const response = await fetch(`${gatewayUrl}/function/baton/runs/${encodeURIComponent(runId)}`);
  if (!response.ok) throw new Error(`GET /runs/${runId} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RunView;
}

/** Polls a run until it is no longer running; `onStep` sees every change of a step's status or attempt. */
export async function waitForRun(
  gatewayUrl: string,
  runId: string,
  options: { timeoutMs?: number; intervalMs?: number; onStep?: (step: StepView) => void } = {},
): Promise<RunView> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const seen = new Map<string, string>();
  for (;;) {
    let run: RunView;
    try {
      run = await getRun(gatewayUrl, runId);
    } catch (error) {
      // The orchestrator may be restarting (a crashed replica, a scale-up): keep asking until the deadline.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
      continue;
    }
    for (const step of run.steps) {
      const key = `${step.status}/${step.attempt}`;
      if (seen.get(step.name) !== key) {
        seen.set(step.name, key);
        options.onStep?.(step);
      }
    }
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) {
      const steps = run.steps.map((step) => `${step.name}: ${step.status}, attempt ${step.attempt}${step.error ? `, ${step.error}` : ''}`);
      throw new Error(`run ${runId} still running after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s (${steps.join('; ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
