/**
 * A small client of the trigger API through the gateway: start, list, read, cancel and follow runs, decide and
 * read promotion approvals, list pipelines; and of the predict function. Used by `npm start`'s demo, the
 * integration tests, the benchmarks and the `baton` CLI.
 */
import { describeIssues } from '#baton-contract';
import type { RunView, StepView } from '../../functions/baton/api/run-view.ts';
import type { RunSummary } from '../../functions/baton/api/runs-routes.ts';
import type { ApprovalDecision, ApprovalStatus } from '../../workflows/promotion/approval.ts';

export type { ApprovalDecision, ApprovalStatus, RunSummary };

/** The answer to `POST /runs`. */
export interface TriggeredRun {
  runId: string;
  workflowId: string;
  pipeline: string;
  status: string;
  links: { self: string; temporalUi?: string };
}

/** One pipeline as `GET /pipelines` describes it. */
export interface PipelineInfo {
  name: string;
  description: string;
  inputSchema: unknown;
  examples: Record<string, unknown>;
  steps: { name: string; function: string; description: string }[];
}

/** One failing field of a refused request. */
export interface ApiIssue {
  path: string;
  message: string;
}

/**
 * A non-2xx answer. `fromApi` tells whether the trigger API itself answered (its `{error: {message}}` body), or
 * something in front of it did (the gateway's plain-text 404/502/503: no orchestrator there, or not ready).
 */
export class ApiError extends Error {
  constructor(
    readonly request: string,
    readonly status: number,
    readonly apiMessage: string,
    readonly issues: ApiIssue[] = [],
    readonly fromApi = true,
    readonly body: Record<string, unknown> = {},
  ) {
    const fields = describeIssues(issues);
    super(`${request} answered ${status}: ${apiMessage}${fields ? ` (${fields})` : ''}`);
    this.name = 'ApiError';
  }
}

/** Nothing answered at the gateway URL: connection refused, unknown host, reset. */
export class GatewayUnreachableError extends Error {
  constructor(
    readonly gatewayUrl: string,
    readonly reason: string,
  ) {
    super(`no Baton gateway at ${gatewayUrl} (${reason})`);
    this.name = 'GatewayUnreachableError';
  }
}

/**
 * Where the trigger API is and the credential to call it with: an API key or an OpenID Connect token, sent as
 * `Authorization: Bearer` to the orchestrator, and to the one function people call directly, predict, which takes
 * an issued API key with role viewer (not the bootstrap admin key, not an OIDC token). Never to other functions.
 */
export interface BatonApi {
  gatewayUrl: string;
  token?: string;
}

/** Calls the trigger API at `{gateway}/function/baton{path}` and answers its JSON; throws ApiError or GatewayUnreachableError. */
export async function callApi<T>(
  api: BatonApi,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  return callFunction<T>(api.gatewayUrl, 'baton', method, path, body, api.token);
}

/** Calls `{gateway}/function/{fn}{path}` and answers its JSON; throws ApiError or GatewayUnreachableError. */
async function callFunction<T>(
  gatewayUrl: string,
  fn: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const request = `${method} ${fn === 'baton' ? '' : `/function/${fn}`}${path.replace(/\?.*$/, '') || '/'}`;
  const headers: Record<string, string> = {
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  let response: Response;
  try {
    response = await fetch(`${gatewayUrl}/function/${fn}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new GatewayUnreachableError(gatewayUrl, networkReason(error));
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok) {
    if (json === undefined)
      throw new ApiError(request, response.status, `the answer is not JSON: ${text.slice(0, 200)}`, [], false);
    return json as T;
  }
  const error = (json as { error?: { message?: unknown; issues?: ApiIssue[] } } | undefined)?.error;
  if (error && typeof error.message === 'string') {
    throw new ApiError(
      request,
      response.status,
      error.message,
      Array.isArray(error.issues) ? error.issues : [],
      true,
      error as Record<string, unknown>,
    );
  }
  throw new ApiError(request, response.status, text.trim() || response.statusText || 'no message', [], false);
}

/** Why fetch could not talk to the server: the system error code when there is one (ECONNREFUSED, ENOTFOUND...). */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let innermost = error instanceof Error ? error.message : String(error);
  while (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    innermost = current.message || innermost;
    current = current instanceof AggregateError && current.errors[0] ? current.errors[0] : current.cause;
  }
  return innermost;
}

/** Starts a run; throws ApiError with the API's message (and failing fields) on a non-2xx answer. */
export async function triggerRun(
  api: BatonApi,
  body: { pipeline: string; input?: unknown; runId?: string },
): Promise<TriggeredRun> {
  return callApi<TriggeredRun>(api, 'POST', '/runs', body);
}

/** Reads a run's current view. */
export async function getRun(api: BatonApi, runId: string): Promise<RunView> {
  return callApi<RunView>(api, 'GET', `/runs/${encodeURIComponent(runId)}`);
}

/** Lists runs matching a Temporal visibility query and/or a pipeline, newest first (`GET /runs`). */
export async function listRuns(
  api: BatonApi,
  options: { query?: string; pipeline?: string; limit?: number } = {},
): Promise<RunSummary[]> {
  const params = new URLSearchParams();
  if (options.query) params.set('query', options.query);
  if (options.pipeline) params.set('pipeline', options.pipeline);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  const search = params.size > 0 ? `?${params}` : '';
  return (await callApi<{ runs: RunSummary[] }>(api, 'GET', `/runs${search}`)).runs;
}

/** Asks Temporal to cancel a running run (`POST /runs/{id}/cancel`); 409 when it is already closed. */
export async function cancelRun(
  api: BatonApi,
  runId: string,
): Promise<{ runId: string; status: string; links: TriggeredRun['links'] }> {
  return callApi(api, 'POST', `/runs/${encodeURIComponent(runId)}/cancel`);
}

/** A person's decision about promoting the model of a run waiting for approval (`POST /runs/{id}/approval`). */
export async function decideApproval(
  api: BatonApi,
  runId: string,
  decision: { approved: boolean; reason?: string },
): Promise<{ runId: string; version: string; approved: boolean; by: string }> {
  return callApi(api, 'POST', `/runs/${encodeURIComponent(runId)}/approval`, decision);
}

/** Where a run's promotion approval stands (`GET /runs/{id}/approval`); ApiError 404 for an unknown run. */
export async function approvalStatus(api: BatonApi, runId: string): Promise<{ runId: string } & ApprovalStatus> {
  return callApi(api, 'GET', `/runs/${encodeURIComponent(runId)}/approval`);
}

/** What the `predict` function answers. */
export interface Prediction {
  model: { name: string; version: string };
  predictions: unknown[];
  probabilities?: number[][];
  classes?: unknown[];
  /** The key of the inference log's record and of feedback (`POST /function/predict/feedback`). */
  requestId?: string;
}

/**
 * Asks the `predict` function for predictions of the production version of `model` (a direct call, no run), with
 * `api.token`: an issued API key granting viewer (predict refuses the bootstrap admin key with 401).
 */
export async function predict(
  api: BatonApi,
  input: { model: string; rows?: number[][]; instances?: Record<string, number>[]; version?: string },
): Promise<Prediction> {
  return (await callFunction<{ output: Prediction }>(api.gatewayUrl, 'predict', 'POST', '', { input }, api.token))
    .output;
}

/** Records the true labels of a predict request, one per row (`POST /function/predict/feedback`, 202 when queued). */
export async function sendFeedback(
  api: BatonApi,
  feedback: { model: string; requestId: string; labels: unknown[] },
): Promise<void> {
  await callFunction(api.gatewayUrl, 'predict', 'POST', '/feedback', feedback, api.token);
}

/** What can be run (`GET /pipelines`). */
export async function listPipelines(api: BatonApi): Promise<PipelineInfo[]> {
  return (await callApi<{ pipelines: PipelineInfo[] }>(api, 'GET', '/pipelines')).pipelines;
}

/** How `waitForRun` polls. */
export interface WaitOptions {
  /** Give up after this long (default 10 min); `Infinity` waits as long as the run takes. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Sees every change of a step's status or attempt. */
  onStep?: (step: StepView) => void;
  /** Sees every view read. */
  onPoll?: (run: RunView) => void;
  /** A failed read is retried until the deadline unless this answers true for it (then it is thrown at once). */
  giveUpOn?: (error: unknown) => boolean;
}

/** Polls a run until it is no longer running. */
export async function waitForRun(api: BatonApi, runId: string, options: WaitOptions = {}): Promise<RunView> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const seen = new Map<string, string>();
  for (;;) {
    let run: RunView;
    try {
      run = await getRun(api, runId);
    } catch (error) {
      if (options.giveUpOn?.(error)) throw error;
      // The orchestrator may be restarting (a crashed replica, a scale-up): keep asking until the deadline.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
      continue;
    }
    options.onPoll?.(run);
    for (const step of run.steps) {
      const key = `${step.status}/${step.attempt}`;
      if (seen.get(step.name) !== key) {
        seen.set(step.name, key);
        options.onStep?.(step);
      }
    }
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) {
      const steps = run.steps.map(
        (step) => `${step.name}: ${step.status}, attempt ${step.attempt}${step.error ? `, ${step.error}` : ''}`,
      );
      throw new Error(
        `run ${runId} still running after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s (${steps.join('; ')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
