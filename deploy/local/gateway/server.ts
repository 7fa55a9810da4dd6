import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { PortReservation } from '../ports.ts';

/** A listening gateway. */
export interface GatewayServer {
  url: string;
  port: number;
  /** Stops listening and drops open connections (followed log streams, calls in flight). */
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1:`port` (0: a free port; a reservation is released just before). */
export async function listen(app: Hono, port: number | PortReservation): Promise<GatewayServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server;
  if (typeof port !== 'number') {
    await port.release();
    port = port.port;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
