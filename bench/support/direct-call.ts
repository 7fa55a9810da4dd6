/** One step call made directly (no Temporal), timed from the caller's side. */
import { request, type Dispatcher } from 'undici';

/** Wall time of the call and the handler's own time, in ms. */
export interface CallTiming {
  wallMs: number;
  handlerMs: number;
}

/** POSTs a step envelope with `input` to `url` (the gateway's /function/<fn>, a watchdog or a wrapper). */
export async function timedStepCall(url: string, input: unknown, dispatcher: Dispatcher): Promise<CallTiming> {
  const run = { workflowId: 'bench-direct', runId: 'bench-direct', pipeline: 'direct', step: 'noop', attempt: 1 };
  const started = performance.now();
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, run }),
    dispatcher,
  });
  const body = await response.body.text();
  const wallMs = performance.now() - started;
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${body.slice(0, 200)}`);
  const metrics = (JSON.parse(body) as { metrics?: { handlerMs?: number } }).metrics;
  return { wallMs, handlerMs: metrics?.handlerMs ?? 0 };
}
