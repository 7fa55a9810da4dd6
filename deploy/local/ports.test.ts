import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { allocatePort, reservePort } from './ports.ts';

test('ports are distinct and below the ephemeral range, where no outgoing connection can take them first', async () => {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 50 }, () => allocatePort()));
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port >= 20_000 && port < ephemeralLow, `${port}`);
});

test('a reserved port cannot be bound by anyone else until it is released, then it can', async () => {
  const reservation = await reservePort();
  const bind = () =>
    new Promise<string>((resolve) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      server.listen(reservation.port, '127.0.0.1', () => server.close(() => resolve('bound')));
    });
  assert.equal(await bind(), 'EADDRINUSE');
  await reservation.release();
  assert.equal(await bind(), 'bound');
  await reservation.release(); // twice is harmless (a stack releases what its gateway did not bind)
});
