/**
 * A data server for tests: a real HTTP server on a free loopback port that is *not* an OpenFaaS function (an
 * external resource). It serves files from memory or from a folder, can require a bearer token, redirects on
 * request (to another host as well), and records every request it sees.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { allocatePort } from '../../deploy/local/ports.ts';

/** What the data server serves. */
export interface DataServerOptions {
  /** Files by path (no leading slash), e.g. `{'wine.csv': 'a,b\n1,2\n'}`; looked up before `folder`. */
  files?: Record<string, string | Buffer>;
  /** A folder whose files are served under their relative paths. */
  folder?: string;
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  bearerToken?: string;
}

/** One request the server saw. */
export interface DataRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization: string | undefined;
}

/** A running data server. */
export interface DataServer {
  /** Base URL, with a trailing slash: `http://127.0.0.1:<port>/`. */
  url: string;
  /** `127.0.0.1:<port>`, as RESOURCE_ALLOWED_HOSTS names it. */
  host: string;
  port: number;
  /** In-memory files; tests may add some while the server runs. */
  files: Map<string, string | Buffer>;
  /** The token required from now on (undefined: none). */
  bearerToken: string | undefined;
  /** Every request seen, in order (401s and redirects included). */
  requests: DataRequest[];
  /** A URL of this server that answers 302 to `target`. */
  redirectUrl(target: string): string;
  /**
   * A URL of this server that answers 302 to the same path on `localhost:<port>`: the same server under another
   * host name, so a redirect the caller wrongly followed would still arrive here.
   */
  otherHostRedirectUrl(path: string): string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Starts a data server on a free port of 127.0.0.1. */
export async function startDataServer(options: DataServerOptions = {}): Promise<DataServer> {
  const port = await allocatePort();
  const folder = options.folder ? resolve(options.folder) : undefined;
  const state: DataServer = {
    url: `http://127.0.0.1:${port}/`,
    host: `127.0.0.1:${port}`,
    port,
    files: new Map(Object.entries(options.files ?? {})),
    bearerToken: options.bearerToken,
    requests: [],
    redirectUrl: (target) => `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(target)}`,
    otherHostRedirectUrl: (path) => `http://127.0.0.1:${port}/to-localhost/${path.replace(/^\/+/, '')}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', state.url);
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume(); // a body is never needed
    if (state.bearerToken !== undefined && req.headers.authorization !== `Bearer ${state.bearerToken}`) {
      res
        .writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' })
        .end('missing or wrong bearer token\n');
      return;
    }
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      return;
    }
    if (url.pathname.startsWith('/to-localhost/')) {
      res.writeHead(302, { location: `http://localhost:${port}/${url.pathname.slice('/to-localhost/'.length)}` }).end();
      return;
    }
    const path = decodeURIComponent(url.pathname.slice(1));
    const body = state.files.get(path) ?? (folder ? await readFromFolder(folder, path) : undefined);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no file ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  return state;
}

/** A file under `folder` (never outside it), or undefined. */
async function readFromFolder(folder: string, path: string): Promise<Buffer | undefined> {
  const file = resolve(folder, path);
  if (!file.startsWith(folder + sep)) return undefined;
  return readFile(file).catch(() => undefined);
}
