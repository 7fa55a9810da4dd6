/**
 * Checks a function's successful answer: JSON, the step contract's `{output, metrics?}`, and an output that fits
 * the step's schema. Used for synchronous answers (in the invoke activity) and for long steps' callbacks alike.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ZodType } from 'zod';
import { FailureType, describeIssues, stepResponse, toErrorIssues } from '#baton-contract';

/** A step's answer: its output (checked against the step's output schema) and metrics. */
export interface StepAnswer {
  output: unknown;
  metrics?: Record<string, number>;
}

/** Temporal warns about payloads past 256 KB and refuses them past 2 MB: outputs must carry references. */
const OUTPUT_WARN_BYTES = 256 * 1024;
const OUTPUT_MAX_BYTES = 2 * 1024 * 1024;

/** Parses and checks an answer; throws a non-retryable ApplicationFailure naming the function and field. */
export function checkStepAnswer(
  call: { step: string; function: string },
  schema: ZodType,
  body: string,
  warn: (message: string) => void,
): StepAnswer {
  const size = Buffer.byteLength(body);
  if (size > OUTPUT_MAX_BYTES) {
    throw ApplicationFailure.nonRetryable(
      `function "${call.function}" returned ${size} bytes: outputs must pass large data by reference ({uri, sha256, size})`,
      FailureType.OutputTooLarge,
    );
  }
  if (size > OUTPUT_WARN_BYTES)
    warn(`function "${call.function}" returned ${size} bytes; pass large data by reference`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw ApplicationFailure.nonRetryable(
      `function "${call.function}" answered with a body that is not JSON`,
      FailureType.InvalidStepOutput,
    );
  }
  const response = stepResponse.safeParse(json);
  if (!response.success) {
    const issues = toErrorIssues(response.error);
    throw ApplicationFailure.nonRetryable(
      `function "${call.function}" returned an invalid answer for step "${call.step}": ${describeIssues(issues)}`,
      FailureType.InvalidStepOutput,
      { issues },
    );
  }
  const output = schema.safeParse(response.data.output);
  if (!output.success) {
    const issues = toErrorIssues(output.error, 'output');
    throw ApplicationFailure.nonRetryable(
      `function "${call.function}" returned an invalid output for step "${call.step}": ${describeIssues(issues)}`,
      FailureType.InvalidStepOutput,
      { issues },
    );
  }
  return { output: output.data, ...(response.data.metrics ? { metrics: response.data.metrics } : {}) };
}
