/**
 * Baton's one vocabulary of failure types: the `type` of a step's error answer and of the invoke activity's
 * `ApplicationFailure`. Import the constants; never write the strings. No imports, so workflow code may use it.
 */

/**
 * The `error.type` a step wrapper answers with (both templates). The Python wrapper keeps the same names in
 * `baton_step/errors.py`, checked against `step_contract.schema.json` (`x-baton-error-types`).
 */
export const StepErrorType = {
  /** 400: the body is not JSON or not a step envelope. */
  InvalidEnvelope: 'InvalidEnvelope',
  /** 401: missing, malformed or invalid signature or API key. */
  Unauthorized: 'Unauthorized',
  /** 403: a direct call's key grants no `viewer`. */
  Forbidden: 'Forbidden',
  /** 405: not a POST. */
  MethodNotAllowed: 'MethodNotAllowed',
  /** 409: the orchestrator cancelled the attempt, or it is stale. */
  Cancelled: 'Cancelled',
  /** 413: the body is over the wrapper's limit. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** 422: the handler's input is wrong. */
  InvalidInput: 'InvalidInput',
  /** 503 (+ `Retry-After` when known): something the handler needs is unavailable for now. */
  Unavailable: 'Unavailable',
  /** 503: a direct call's API key list cannot be read now. */
  KeyCheckFailed: 'KeyCheckFailed',
  /** 500: the wrapper itself failed. */
  WrapperError: 'WrapperError',
  /** 507: a write failed because a disk is full (MinIO's XMinioStorageFull, ENOSPC); retried, as space may be freed. */
  StorageFull: 'StorageFull',
} as const;
export type StepErrorType = (typeof StepErrorType)[keyof typeof StepErrorType];

/** The `type` of the `ApplicationFailure` the worker's activities throw; workflows and the run view read them. */
export const FailureType = {
  /** The step name is not in this worker's catalog. */
  UnknownStep: 'UnknownStep',
  /** The workflow gave a step an input its schema refuses. */
  InvalidStepInput: 'InvalidStepInput',
  /** The function answered 2xx with something that is not a valid `{output, metrics?}` for the step. */
  InvalidStepOutput: 'InvalidStepOutput',
  /** The function's answer is over the worker's answer cap. */
  StepAnswerTooLarge: 'StepAnswerTooLarge',
  /** The step's output is over the payload budget: large data must travel by reference. */
  OutputTooLarge: 'OutputTooLarge',
  /** invokeFunction was called outside a workflow's activity. */
  NotInWorkflow: 'NotInWorkflow',
  /** A long step, but the worker has no callback settings. */
  NoCallbackSettings: 'NoCallbackSettings',
  /** 429: retried after `Retry-After`. */
  FunctionRateLimited: 'FunctionRateLimited',
  /** 404: no such function. */
  FunctionNotFound: 'FunctionNotFound',
  /** 400/422: the function refused its input. */
  FunctionRejectedInput: 'FunctionRejectedInput',
  /** 504: the function timed out. */
  FunctionTimeout: 'FunctionTimeout',
  /** Other 5xx: retried with backoff. */
  FunctionUnavailable: 'FunctionUnavailable',
  /** Other 4xx: not retried. */
  FunctionRejectedCall: 'FunctionRejectedCall',
  /** Connection errors: retried with backoff. */
  FunctionUnreachable: 'FunctionUnreachable',
  /** 5xx (or 507) saying a disk is full (MinIO's XMinioStorageFull, ENOSPC): retried with backoff, as space may be freed. */
  StorageFull: 'StorageFull',
  /** The model's stored promotion policy cannot be read as rules. */
  ModelPolicyInvalid: 'ModelPolicyInvalid',
  /** The model name is not a registry name. */
  ModelNameInvalid: 'ModelNameInvalid',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
