/**
 * A plain HTTP reverse proxy on loopback that a test can take down and bring back on the same port: a real
 * endpoint that really refuses connections while down.
 */
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

export interface SwitchableProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSwitchableProxy(port: number, target: string): Promise<SwitchableProxy> {
  let server: Server | undefined;
  const listen = () => new Promise<void>((resolve, reject) => {
    server = createServer(async (req, res) => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
        const answer = await request(`${target}${req.url}`, { method: req.method as 'POST', headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
        res.end(Buffer.from(await answer.body.arrayBuffer()));
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const close = () => new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
    server = undefined;
  });
  await listen();
  return { url: `http://127.0.0.1:${port}`, down: close, up: listen, close };
}
