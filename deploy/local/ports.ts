import { createServer } from 'node:net';

/** Ports handed out recently: the OS may offer one again before the process it was meant for binds it. */
const recentlyHandedOut = new Set<number>();
const REMEMBERED = 512;

/** A free TCP port on 127.0.0.1, never one this process handed out among the last few hundred. */
export async function allocatePort(): Promise<number> {
  for (;;) {
    const port = await osFreePort();
    if (recentlyHandedOut.has(port)) continue;
    recentlyHandedOut.add(port);
    if (recentlyHandedOut.size > REMEMBERED) recentlyHandedOut.delete(recentlyHandedOut.values().next().value!);
    return port;
  }
}

function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
