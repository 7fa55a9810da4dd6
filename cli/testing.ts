// Helpers for the CLI's tests (not a test file itself): run the CLI in-process, and stand in for the gateway.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, type CliIo } from './main.ts';

/**
 * Runs the CLI in-process with UTC times, the current directory and an empty stdin (any of which `io` may replace);
 * answers its exit code and what it printed.
 */
export async function runCliCaptured(
  argv: string[],
  env: Record<string, string> = {},
  io: Partial<Omit<CliIo, 'out' | 'err' | 'env'>> = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    cwd: process.cwd(),
    timeZone: 'UTC',
    readStdin: async () => '',
    onInterrupt: () => () => {},
    ...io,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A request the fake gateway received; `body` is the parsed JSON body, or undefined when there was none. */
export interface FakeRequest {
  method: string;
  url: string;
  body: unknown;
}

/** What the fake gateway answers: a JSON `body`, or a plain `text` one. */
export type FakeAnswer = { status: number; body: unknown } | { status: number; text: string };

/**
 * A stand-in gateway on a free local port: records every request (with its parsed body) and answers what
 * `answer` says, or 404 with a JSON error when it says nothing. `env` points the CLI at it.
 */
/** The credential the CLI sends to the fake gateway (its env's BATON_TOKEN). */
export const FAKE_TOKEN = 'baton_0123456789ab_fake';

export async function startFakeGateway(answer: (request: FakeRequest) => FakeAnswer | undefined) {
  const requests: FakeRequest[] = [];
  /** The Authorization header of each request, in order (undefined when none was sent). */
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const request: FakeRequest = { method: req.method!, url: req.url!, body: text ? JSON.parse(text) : undefined };
      requests.push(request);
      const reply = answer(request) ?? {
        status: 404,
        body: { error: { message: `no route for ${request.method} ${request.url}` } },
      };
      if ('text' in reply) res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.text);
      else res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { BATON_GATEWAY_URL: url, BATON_TOKEN: FAKE_TOKEN },
    requests,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
