/** One step call made directly (no Temporal), timed from the caller's side. */
import { request, type Dispatcher } from 'undici';
import { stepSignatureHeaders } from '../../test/support/step-call.ts';

/** Wall time of the call and the handler's own time, in ms. */
export interface CallTiming {
  wallMs: number;
  handlerMs: number;
}

/**
 * POSTs a step envelope with `input` to `url` (the gateway's /function/noop, a watchdog or a wrapper), signed for
 * noop with a key derived from `signingKey` as the orchestrator signs (signing is timed, as in the invoke activity).
 */
export async function timedStepCall(
  url: string,
  input: unknown,
  dispatcher: Dispatcher,
  signingKey: string,
): Promise<CallTiming> {
  const run = { workflowId: 'bench-direct', runId: 'bench-direct', pipeline: 'direct', step: 'noop', attempt: 1 };
  const started = performance.now();
  const body = JSON.stringify({ input, run });
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...stepSignatureHeaders(signingKey, 'noop', body) },
    body,
    dispatcher,
  });
  const answer = await response.body.text();
  const wallMs = performance.now() - started;
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${answer.slice(0, 200)}`);
  const metrics = (JSON.parse(answer) as { metrics?: { handlerMs?: number } }).metrics;
  return { wallMs, handlerMs: metrics?.handlerMs ?? 0 };
}
