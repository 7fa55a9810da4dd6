/**
 * `/async-function/*` with REAL replicas: the watchdog binary (BATON_WATCHDOG_BIN, else the one
 * `npm run setup` provides) running the "echo" fixture template of test/fixtures/gateway, and a callback server on
 * loopback.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { watchdogBinary } from '../../test/fixtures/gateway/watchdog-binary.ts';
import { startLocalGateway, type LocalGateway } from './local-gateway.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/gateway');

const tmp = await mkdtemp(path.join(tmpdir(), 'baton-async-gateway-'));
after(() => rm(tmp, { recursive: true, force: true }));
const watchdog = { binary: await watchdogBinary(), skip: undefined };

/** Pids of the processes whose environment has `key=value` (a /proc scan). */
async function processesWith(key: string, value: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`${key}=${value}`)) found.push(Number(entry));
  }
  return found;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describe('async calls through the local gateway with real replicas', { skip: watchdog.skip, timeout: 120_000 }, () => {
  const run = randomUUID(); // marks this test's processes in /proc
  const auth = { user: 'admin', password: randomUUID() };
  const authHeader = { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
  const logged: string[] = [];
  let gw: LocalGateway;

  const callbacks: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const callbackServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => {
        callbacks.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.end();
      });
  });
  let callbackUrl: string;

  before(async () => {
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
    const secretsDir = path.join(tmp, 'secrets');
    await mkdir(secretsDir, { recursive: true });
    await writeFile(path.join(secretsDir, 'fixture-token'), 'token-value\n');
    gw = await startLocalGateway({
      stackFiles: [path.join(fixtures, 'stack.yml')],
      templateDirs: [path.join(fixtures, 'templates')],
      port: 0,
      dataDir: path.join(tmp, 'data'),
      watchdogBinary: watchdog.binary!,
      secretsDir,
      envOverrides: { BATON_TEST_RUN: run },
      basicAuth: auth,
      onLog: (fn, instance, line) => logged.push(`${fn} ${instance} ${line}`),
      stopGraceMs: 2_000,
      asyncQueue: { capacity: 2, inFlightPerReplica: 1, callbackOrigins: [callbackUrl] },
    });
    await gw.waitUntilReady(30_000);
  });
  after(async () => {
    await gw?.stop();
    callbackServer.closeAllConnections();
    await new Promise((resolve) => callbackServer.close(resolve));
  });

  const submit = (subPath: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/async-function/echo${subPath}`, { method: 'POST', headers, body: '{"input":{"epochs":3}}' });

  it('runs a queued call on a replica and POSTs its answer to the callback server', async () => {
    const res = await submit('/train?x=1', {
      'X-Call-Id': 'real-1',
      'X-Callback-Url': `${callbackUrl}/callbacks/tok`,
      'Content-Type': 'application/json',
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('X-Call-Id'), 'real-1');

    await until('the callback arrived', () => callbacks.length === 1);
    const [cb] = callbacks;
    assert.equal(cb!.url, '/callbacks/tok');
    assert.equal(cb!.headers['x-call-id'], 'real-1');
    assert.equal(cb!.headers['x-function-status'], '200');
    assert.equal(cb!.headers['x-function-name'], 'echo');
    assert.match(String(cb!.headers['x-duration-seconds']), /^\d+\.\d{6}$/);
    assert.equal(cb!.headers['content-type'], 'application/json');
    const seen = JSON.parse(cb!.body) as {
      method: string;
      url: string;
      body: string;
      headers: Record<string, string>;
      env: Record<string, string>;
    };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/train?x=1');
    assert.equal(seen.body, '{"input":{"epochs":3}}');
    assert.equal(seen.headers['x-call-id'], 'real-1');
    assert.equal(seen.env.BATON_FUNCTION, 'echo');

    await until('the outcome is logged', () => logged.some((l) => l.startsWith('echo gateway async call real-1:')));
    const line = logged.find((l) => l.startsWith('echo gateway async call real-1:'))!;
    assert.match(line, new RegExp(`echo answered 200 in [\\d.]+ s; callback to ${callbackUrl} answered 200$`));
    const stats = {
      queued: 0,
      inFlight: 0,
      capacity: 2,
      maxInFlight: 16,
      perFunction: { echo: { queued: 0, inFlight: 0, maxInFlight: 2 } },
    };
    assert.deepEqual(gw.queueStats(), stats, 'one call at a time per ready replica (2 ready)');
    assert.deepEqual(await (await fetch(`${gw.url}/system/queue`, { headers: authHeader })).json(), stats);
  });

  it('stop() drops queued calls and aborts running ones promptly, and no process survives', async () => {
    for (let i = 0; i < 4; i++)
      assert.equal((await submit('/sleep/20000', { 'X-Callback-Url': `${callbackUrl}/callbacks/late` })).status, 202);
    assert.equal((await submit('/sleep/20000')).status, 429, 'capacity 2: two run, two wait, the fifth is refused');
    assert.deepEqual(gw.queueStats().perFunction.echo, { queued: 2, inFlight: 2, maxInFlight: 2 });
    assert.equal((await processesWith('BATON_TEST_RUN', run)).length, 4, 'two replicas: watchdog + wrapper each');

    const started = Date.now();
    await gw.stop();
    assert.ok(Date.now() - started < 10_000, `stop() took ${Date.now() - started} ms, not the 20 s of the calls`);
    assert.ok(
      logged.includes(
        'echo gateway async queue stopped: dropped 2 queued call(s), aborted 2 call(s) in flight; no callback is sent for them',
      ),
    );
    assert.equal(callbacks.filter((c) => c.url === '/callbacks/late').length, 0);
    assert.deepEqual(await processesWith('BATON_TEST_RUN', run), []);
  });
});
