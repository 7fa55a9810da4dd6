import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signAnswer, signatureProblem, signProgress, SIGNATURE_HEADER } from './step-signature.ts';
import {
  CALL_ID_HEADER,
  StepErrorType,
  stepRequest,
  toErrorIssues,
  type ErrorBody,
  type ErrorIssue,
} from './step-contract.ts';
import { StepInputError, StepUnavailableError } from './errors.ts';
import { createStepCall, type CheckpointStore } from './step-context.ts';
import { DEFAULT_PROGRESS_INTERVAL_SECONDS, StepCancelledError } from './progress.ts';
import type { StepHandlerModule } from './sdk.ts';
import { contextFromHeaders, inSpan, SpanKind } from './tracing.ts';
import { recordStatus, stepSpanAttributes, stepSpanName } from './step-span.ts';

/** Largest request body the wrapper accepts: envelopes carry references, never artifact bytes. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/**
 * How long the function's signature of its answer or of a progress report holds: both are sent at once; this is
 * the clock skew between function and orchestrator plus the async queue's callback delivery, with room to spare.
 */
export const REPLY_SIGNATURE_TTL_SECONDS = 300;

/** Settings of the wrapper, read once at startup. */
export interface StepServerOptions {
  /** This function's step key (secret `baton-step-key-<function>`): only calls signed with it reach the handler. */
  stepKey: string;
  /** Keep-alive period of progress reports (`BATON_PROGRESS_INTERVAL`), default 5 s. */
  progressIntervalSeconds?: number;
  /** Where checkpoints go; default the process's shared artifact store (tests pass an in-memory one). */
  checkpointStore?: () => CheckpointStore;
}

/** A StepCancelledError, also when a handler wrapped it in its own error (`cause`). */
function cancellation(error: unknown): StepCancelledError | undefined {
  const seen = new Set<unknown>();
  for (
    let current = error;
    current !== undefined && current !== null && !seen.has(current);
    current = (current as { cause?: unknown }).cause
  ) {
    if (current instanceof StepCancelledError) return current;
    seen.add(current);
  }
  return undefined;
}

/** Codes of a write that failed on a full disk: a local one's errno, MinIO's S3 error code. */
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'XMinioStorageFull']);

/** Whether `error` or one of its causes is a write that failed on a full disk (answered 507 StorageFull). */
function storageFull(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Object && !seen.has(current); current = (current as Error).cause) {
    if (STORAGE_FULL_CODES.has(String((current as { code?: unknown }).code))) return true;
    seen.add(current);
  }
  return false;
}

/**
 * The HTTP wrapper around one handler: parses and checks the envelope, runs the handler, shapes errors.
 * With a `progressUrl` it reports progress while the handler runs (first report at once, then a keep-alive).
 */
export function createStepServer(handler: StepHandlerModule, functionName: string, options: StepServerOptions): Server {
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`[${functionName}] wrapper failure:`, error);
      if (!res.headersSent) send(res, 500, errorBody('internal wrapper error', StepErrorType.WrapperError));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      send(res, 200, { function: functionName, contract: 'baton step v1', usage: 'POST a step envelope {input, run}' });
      return;
    }
    if (req.method !== 'POST') {
      send(
        res,
        405,
        errorBody(`method ${req.method} not allowed: POST a step envelope`, StepErrorType.MethodNotAllowed),
      );
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      send(
        res,
        413,
        errorBody(
          `request body over ${MAX_BODY_BYTES} bytes: pass large data by reference`,
          StepErrorType.PayloadTooLarge,
        ),
      );
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      send(
        res,
        400,
        errorBody('request body is not valid JSON', StepErrorType.InvalidEnvelope, [
          { path: '(root)', message: 'invalid JSON' },
        ]),
      );
      return;
    }
    const envelope = stepRequest.safeParse(json);
    if (!envelope.success) {
      send(res, 400, errorBody('invalid step envelope', StepErrorType.InvalidEnvelope, toErrorIssues(envelope.error)));
      return;
    }
    // Before the handler: only the orchestrator, with this function's key, can have signed this body and run.
    const unsigned = signatureProblem(
      header(req, SIGNATURE_HEADER),
      { fn: functionName, run: envelope.data.run },
      body,
      options.stepKey,
    );
    if (unsigned) {
      send(res, 401, errorBody(unsigned, StepErrorType.Unauthorized));
      return;
    }
    const run = envelope.data.run;
    const callId = header(req, CALL_ID_HEADER) ?? randomUUID();
    // Only verified calls are traced: the span continues the orchestrator's trace (W3C traceparent).
    await inSpan(
      {
        name: stepSpanName(run.step),
        kind: SpanKind.SERVER,
        parent: contextFromHeaders(req.headers),
        attributes: stepSpanAttributes(run, functionName, callId),
      },
      async (span) => {
        // From here on, every answer and progress report is signed with this function's key: a long step's answer
        // reaches the orchestrator through the gateway's queue, which copies this response's headers onto the callback.
        const expires = () => Math.ceil(Date.now() / 1000) + REPLY_SIGNATURE_TTL_SECONDS;
        const reply = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
          recordStatus(span, status);
          const bytes = Buffer.from(JSON.stringify(answer));
          const signature = signAnswer({ fn: functionName, run, status, expires: expires() }, bytes, options.stepKey);
          sendBytes(res, status, bytes, { ...headers, [SIGNATURE_HEADER]: signature });
        };
        let input = envelope.data.input;
        if (handler.input) {
          const parsed = handler.input.safeParse(input);
          if (!parsed.success) {
            reply(
              422,
              errorBody(
                `invalid input for ${functionName}`,
                StepErrorType.InvalidInput,
                toErrorIssues(parsed.error, 'input'),
              ),
            );
            return;
          }
          input = parsed.data;
        }
        const call = createStepCall(envelope.data.run, callId, {
          checkpoint: envelope.data.checkpoint,
          progressUrl: envelope.data.progressUrl,
          progressIntervalSeconds: options.progressIntervalSeconds ?? DEFAULT_PROGRESS_INTERVAL_SECONDS,
          signReport: (report) => signProgress({ fn: functionName, run, expires: expires() }, report, options.stepKey),
          checkpointStore: options.checkpointStore,
        });
        try {
          let result;
          try {
            await call.start(); // first progress report + keep-alive (only with a progressUrl)
            result = await handler.handle(input, call.context);
          } finally {
            await call.close(); // no progress report follows the answer
          }
          reply(200, result);
        } catch (error) {
          const cancelled = cancellation(error);
          if (cancelled) {
            console.log(`[${callId}] 409 ${cancelled.message}`);
            reply(409, errorBody(cancelled.message, StepErrorType.Cancelled));
            return;
          }
          if (error instanceof StepInputError) {
            const issues = error.issues.map((issue) => ({ ...issue, path: `input.${issue.path}` }));
            reply(422, errorBody(error.message, StepErrorType.InvalidInput, issues));
            return;
          }
          if (error instanceof StepUnavailableError) {
            const headers: Record<string, string> =
              error.retryAfterSeconds !== undefined ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
            reply(503, errorBody(error.message, StepErrorType.Unavailable), headers);
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          if (storageFull(error)) {
            console.log(`[${callId}] 507 the storage is full: ${message}`);
            reply(507, errorBody(`the storage is full: ${message}`, StepErrorType.StorageFull));
            return;
          }
          // The stack stays in the log; the caller gets the message only.
          console.error(`[${callId}] ${functionName} failed:`, error);
          reply(500, errorBody(message, error instanceof Error ? error.name : 'Error'));
        }
      },
    );
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function errorBody(message: string, type: string, issues?: ErrorIssue[]): ErrorBody {
  return { error: { message, type, ...(issues ? { issues } : {}) } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), headers);
}

function sendBytes(res: ServerResponse, status: number, bytes: Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}
