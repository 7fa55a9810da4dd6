/**
 * A plain HTTP reverse proxy on loopback that a test can take down and bring back on the same port: a real
 * endpoint that really refuses connections while down.
 */
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

/** One request that went through the proxy, with the answer's status and headers. */
export interface ProxiedExchange {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  status: number;
  responseHeaders: Record<string, string>;
}

export interface SwitchableProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the proxy; `record` sees every exchange that got an answer from the target. */
export async function startSwitchableProxy(
  port: number,
  target: string,
  record?: (exchange: ProxiedExchange) => void,
): Promise<SwitchableProxy> {
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(async (req, res) => {
        try {
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
          ) as Record<string, string>;
          const body = Buffer.concat(chunks);
          const answer = await request(`${target}${req.url}`, {
            method: req.method as 'POST',
            headers,
            body: chunks.length ? body : undefined,
          });
          const answered = Buffer.from(await answer.body.arrayBuffer());
          const responseHeaders = Object.fromEntries(
            Object.entries(answer.headers).map(([name, value]) => [name, String(value)]),
          );
          record?.({
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            headers,
            body,
            status: answer.statusCode,
            responseHeaders,
          });
          // Whatever the function said besides its body (a signature, Retry-After) passes on too.
          const passed = Object.fromEntries(
            Object.entries(responseHeaders).filter(
              ([name]) => !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name),
            ),
          );
          res.writeHead(answer.statusCode, { 'content-type': 'application/json', ...passed });
          res.end(answered);
        } catch (error) {
          res.writeHead(502).end(String(error));
        }
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
      server = undefined;
    });
  await listen();
  return { url: `http://127.0.0.1:${port}`, down: close, up: listen, close };
}
