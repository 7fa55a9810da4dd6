/**
 * Test helpers for step handlers and the wrapper: an in-memory checkpoint store and a stand-in orchestrator
 * that records progress reports (the counterparts of `baton_step.testing` in the Python template).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseS3Uri, sha256 } from './artifacts.ts';
import type { ArtifactRef, ProgressReport, RunContext } from './step-contract.ts';
import { SIGNATURE_HEADER, signStepCall } from './step-signature.ts';
import { createStepContext, type CheckpointStore, type StepContext } from './step-context.ts';

export const TEST_BUCKET = 'baton-test';

/** Objects in a Map; `puts` lists every key written, in order. */
export interface MemoryCheckpointStore extends CheckpointStore {
  objects: Map<string, Buffer>;
  puts: string[];
}

/** A checkpoint store in memory that checks size and sha256 on reads, as the real store does. */
export function memoryCheckpointStore(bucket = TEST_BUCKET): MemoryCheckpointStore {
  const objects = new Map<string, Buffer>();
  const puts: string[] = [];
  return {
    objects,
    puts,
    async putBytes(key: string, bytes: Buffer): Promise<ArtifactRef> {
      objects.set(key, Buffer.from(bytes));
      puts.push(key);
      return { uri: `s3://${bucket}/${key}`, sha256: sha256(bytes), size: bytes.length };
    },
    async getBytes(ref: ArtifactRef): Promise<Buffer> {
      const { key } = parseS3Uri(ref.uri);
      const bytes = objects.get(key);
      if (!bytes) throw new Error(`artifact ${ref.uri} does not exist`);
      if (bytes.length !== ref.size || sha256(bytes) !== ref.sha256)
        throw new Error(`artifact ${ref.uri} does not match its reference (size or sha256 differ)`);
      return Buffer.from(bytes);
    },
  };
}

/** How the stand-in orchestrator answers a report: a status and a JSON body. */
export type ProgressAnswerFn = (report: ProgressReport, index: number) => { status: number; body: unknown };

/** A stand-in orchestrator on a loopback port, recording every progress report POSTed to `url`. */
export interface ProgressServer {
  url: string;
  /** The attempt reference (last path segment) of `url`: it never appears in a log line. */
  token: string;
  reports: ProgressReport[];
  /** Every request as received; `body` is the exact text (its signature covers those bytes). */
  requests: { path: string; headers: IncomingHttpHeaders; body: string }[];
  answer: ProgressAnswerFn;
  /** Resolves once `predicate(reports)` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (reports: ProgressReport[]) => boolean, timeoutMs?: number): Promise<ProgressReport[]>;
  close(): Promise<void>;
}

/** Starts a ProgressServer; the default answer is `200 {cancelRequested: false}`. */
export async function startProgressServer(answer?: ProgressAnswerFn): Promise<ProgressServer> {
  const token = 'tok-SECRET-5678';
  const state: ProgressServer = {
    url: '',
    token,
    reports: [],
    requests: [],
    answer: answer ?? (() => ({ status: 200, body: { cancelRequested: false } })),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (predicate(state.reports)) return [...state.reports];
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(
        `progress reports did not arrive as expected within ${timeoutMs} ms: ${JSON.stringify(state.reports)}`,
      );
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const report = JSON.parse(text || 'null') as ProgressReport;
      state.reports.push(report);
      state.requests.push({ path: req.url ?? '', headers: req.headers, body: text });
      const { status, body } = state.answer(report, state.reports.length - 1);
      const bytes = Buffer.from(JSON.stringify(body));
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
      res.end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/function/baton/progress/${token}`;
  return state;
}

/** A step key for wrapper tests (never a real secret). */
export const TEST_STEP_KEY = 'test-step-key-0123456789abcdef0123456789abcdef';

/**
 * The signature header the orchestrator would send with `body` to `fn` (body with a `run` block), signed with
 * `key`; `expiresInSeconds` may be negative to make an expired one.
 */
export function signatureHeaders(
  fn: string,
  body: string,
  key = TEST_STEP_KEY,
  expiresInSeconds = 60,
): Record<string, string> {
  const { run } = JSON.parse(body) as { run: RunContext };
  const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
  return { [SIGNATURE_HEADER]: signStepCall({ fn, run, expires }, body, key) };
}

/** A StepContext for calling `handle(input, ctx)` in a test, as Python's `make_context`; `logs` keeps what it logged. */
export function makeContext(
  options: { step?: string; workflowId?: string; checkpointStore?: CheckpointStore } = {},
): StepContext & { logs: string[] } {
  const run: RunContext = {
    workflowId: options.workflowId ?? 'wf-test',
    runId: 'run-test',
    pipeline: 'test',
    step: options.step ?? 'step',
    attempt: 1,
  };
  const store = options.checkpointStore ?? memoryCheckpointStore();
  const logs: string[] = [];
  const context = createStepContext(run, 'call-test', { checkpointStore: () => store });
  return Object.assign(context, { log: (message: string) => void logs.push(message), logs });
}
