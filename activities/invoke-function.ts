import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
import { CALL_ID_HEADER, stepResponse, toErrorIssues, type StepRequest } from '#baton-contract';
import { classifyConnectionError, classifyHttpFailure, type CallFailure } from './classify-response.ts';
import type { StepCatalog } from './step-catalog.ts';
import type { ZodType } from 'zod';

/** What a pipeline asks of the invoke activity. */
export interface InvokeFunctionRequest {
  step: string;
  function: string;
  pipeline: string;
  input: unknown;
}

/** A step's answer: its output (checked against the step's output schema) and metrics. */
export interface InvokeFunctionResult {
  output: unknown;
  metrics?: Record<string, number>;
}

/** What the invoke activity needs from the outside. */
export interface InvokeFunctionDeps {
  /** Base URL of the OpenFaaS gateway, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  steps: StepCatalog;
  dispatcher: Dispatcher;
}

/** Temporal warns about payloads past 256 KB and refuses them past 2 MB: outputs must carry references. */
const OUTPUT_WARN_BYTES = 256 * 1024;
const OUTPUT_MAX_BYTES = 2 * 1024 * 1024;
/** Heartbeats are how an activity learns it was cancelled; the SDK throttles them. */
const HEARTBEAT_INTERVAL_MS = 1000;

/** Builds the activity that calls one step function through the gateway. */
export function createInvokeFunction(deps: InvokeFunctionDeps) {
  const gateway = deps.gatewayUrl.replace(/\/+$/, '');

  return async function invokeFunction(call: InvokeFunctionRequest): Promise<InvokeFunctionResult> {
    const context = Context.current();
    const { info } = context;
    const step = deps.steps.get(call.step);
    if (!step) throw ApplicationFailure.nonRetryable(`step "${call.step}" is unknown to this worker`, 'UnknownStep');
    const input = step.input.safeParse(call.input);
    if (!input.success) {
      const issues = toErrorIssues(input.error, 'input');
      throw ApplicationFailure.nonRetryable(`invalid input for step "${call.step}": ${describe(issues)}`, 'InvalidStepInput', { issues });
    }
    const execution = info.workflowExecution;
    if (!execution) throw ApplicationFailure.nonRetryable('invokeFunction runs only as a workflow\'s activity', 'NotInWorkflow');
    const envelope: StepRequest = {
      input: input.data,
      run: {
        workflowId: execution.workflowId,
        runId: execution.runId,
        pipeline: call.pipeline,
        step: info.activityId,
        attempt: info.attempt,
      },
    };
    const callId = `${execution.workflowId}:${info.activityId}:${info.attempt}`;

    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    let status: number;
    let retryAfter: string | undefined;
    let body: string;
    try {
      const response = await request(`${gateway}/function/${encodeURIComponent(call.function)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CALL_ID_HEADER]: callId },
        body: JSON.stringify(envelope),
        dispatcher: deps.dispatcher,
        signal: context.cancellationSignal,
      });
      status = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      body = await response.body.text();
    } catch (error) {
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw toFailure(classifyConnectionError(call.function, error));
    } finally {
      clearInterval(heartbeat);
    }

    if (status < 200 || status > 299) throw toFailure(classifyHttpFailure(call.function, status, retryAfter, body));
    return checkOutput(call, step.output, body, context);
  };
}

function checkOutput(call: InvokeFunctionRequest, schema: ZodType, body: string, context: Context): InvokeFunctionResult {
  const size = Buffer.byteLength(body);
  if (size > OUTPUT_MAX_BYTES) {
    throw ApplicationFailure.nonRetryable(`function "${call.function}" returned ${size} bytes: outputs must pass large data by reference ({uri, sha256, size})`, 'OutputTooLarge');
  }
  if (size > OUTPUT_WARN_BYTES) context.log.warn(`function "${call.function}" returned ${size} bytes; pass large data by reference`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw ApplicationFailure.nonRetryable(`function "${call.function}" answered with a body that is not JSON`, 'InvalidStepOutput');
  }
  const response = stepResponse.safeParse(json);
  if (!response.success) {
    const issues = toErrorIssues(response.error);
    throw ApplicationFailure.nonRetryable(`function "${call.function}" returned an invalid answer for step "${call.step}": ${describe(issues)}`, 'InvalidStepOutput', { issues });
  }
  const output = schema.safeParse(response.data.output);
  if (!output.success) {
    const issues = toErrorIssues(output.error, 'output');
    throw ApplicationFailure.nonRetryable(`function "${call.function}" returned an invalid output for step "${call.step}": ${describe(issues)}`, 'InvalidStepOutput', { issues });
  }
  return { output: output.data, ...(response.data.metrics ? { metrics: response.data.metrics } : {}) };
}

function toFailure(failure: CallFailure): ApplicationFailure {
  return ApplicationFailure.create({
    message: failure.message,
    type: failure.type,
    nonRetryable: !failure.retryable,
    ...(failure.retryAfterMs !== undefined ? { nextRetryDelay: failure.retryAfterMs } : {}),
  });
}

function describe(issues: { path: string; message: string }[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
