import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Ports handed out recently: the OS may offer one again before the process it was meant for binds it. */
const recentlyHandedOut = new Set<number>();
const REMEMBERED = 512;
/** Lowest port handed out: above the well-known and most registered service ports. */
const LOWEST = 20_000;

/**
 * A free TCP port on 127.0.0.1, never one this process handed out among the last few hundred. It is taken below
 * the kernel's ephemeral range: a port from that range can be taken, between being found free and being bound, by
 * the local end of any outgoing connection (Temporal's, MinIO's, another test's), which then fails the listen.
 */
export async function allocatePort(): Promise<number> {
  for (;;) {
    const port = await freePortBelowEphemeral();
    if (recentlyHandedOut.has(port)) continue;
    recentlyHandedOut.add(port);
    if (recentlyHandedOut.size > REMEMBERED) recentlyHandedOut.delete(recentlyHandedOut.values().next().value!);
    return port;
  }
}

/** A port this process holds with a listening socket (that accepts nothing) until its server binds it. */
export interface PortReservation {
  readonly port: number;
  /** Frees the port for the server about to bind it. */
  release(): Promise<void>;
}

/**
 * A free port held until `release()`: for a server of this process that binds it only after other work (the local
 * gateway starts after Temporal and MinIO, seconds later), so another process's random pick cannot take it meanwhile.
 */
export async function reservePort(): Promise<PortReservation> {
  for (;;) {
    const port = await allocatePort();
    const holder = createServer((socket) => socket.destroy());
    const held = await new Promise<boolean>((resolve) => {
      holder.once('error', () => resolve(false));
      holder.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!held) continue;
    holder.unref();
    return { port, release: () => new Promise<void>((resolve) => holder.close(() => resolve())) };
  }
}

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** A random port below the ephemeral range that binds now; the OS's choice only if many tries found none. */
async function freePortBelowEphemeral(): Promise<number> {
  const high = ephemeralLow();
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (await binds(port)) return port;
  }
  return osFreePort();
}

function binds(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now (within a second). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
  });
}
