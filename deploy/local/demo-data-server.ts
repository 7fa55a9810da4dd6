/**
 * The loop demo's external data source: a plain HTTP server on loopback (not an OpenFaaS function) that serves CSV
 * files from memory with an ETag, as a data owner's file server would. The demo publishes new data by replacing a
 * file; fetch-csv reads it and a data-change watch probes it.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { allocatePort } from './ports.ts';

/** A running demo data server. */
export interface DemoDataServer {
  /** Base URL with a trailing slash, as fetch-csv's RESOURCE_BASE_URL takes it. */
  url: string;
  /** `127.0.0.1:<port>`, as RESOURCE_ALLOWED_HOSTS names it. */
  host: string;
  /** Publishes (or replaces) a file. */
  publish(path: string, csv: string): void;
  close(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startDemoDataServer(): Promise<DemoDataServer> {
  const files = new Map<string, string>();
  const server = createServer((request, response) => {
    request.resume();
    const csv = files.get(new URL(request.url ?? '/', 'http://demo').pathname.replace(/^\/+/, ''));
    if (csv === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(csv === undefined ? 404 : 405).end();
      return;
    }
    const etag = `"${createHash('sha256').update(csv).digest('hex').slice(0, 32)}"`;
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', etag });
    response.end(request.method === 'HEAD' ? undefined : csv);
  });
  const port = await allocatePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/`,
    host: `127.0.0.1:${port}`,
    publish: (path, csv) => void files.set(path, csv),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
