/**
 * The local gateway with REAL replicas: the watchdog binary (BATON_WATCHDOG_BIN, else the one
 * `npm run setup` provides) running the "echo" fixture template of test/fixtures/gateway.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { watchdogBinary } from '../../test/fixtures/gateway/watchdog-binary.ts';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from './local-gateway.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/gateway');

const tmp = await mkdtemp(path.join(tmpdir(), 'baton-local-gateway-'));
after(() => rm(tmp, { recursive: true, force: true }));
const watchdog = { binary: await watchdogBinary(), skip: undefined };

/** Processes whose environment has all of `vars`, with their parent pid (a /proc scan). */
async function processesWith(vars: Record<string, string>): Promise<{ pid: number; ppid: number }[]> {
  const wanted = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const env = new Set(environ.split('\0'));
    if (!wanted.every((pair) => env.has(pair))) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    found.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
  }
  return found;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe('local gateway with real replicas', { skip: watchdog.skip, timeout: 180_000 }, () => {
  const run = randomUUID(); // marks this test's processes in /proc
  const auth = { user: 'admin', password: randomUUID() };
  const authHeader = { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
  const logged: string[] = [];
  let gw: LocalGateway;

  async function options(stackFiles: string[], extra: Partial<LocalGatewayOptions> = {}): Promise<LocalGatewayOptions> {
    const secretsDir = path.join(tmp, 'secrets');
    await rm(secretsDir, { recursive: true, force: true });
    await mkdir(secretsDir, { recursive: true });
    await writeFile(path.join(secretsDir, 'fixture-token'), 'token-value\n');
    await writeFile(path.join(secretsDir, 'undeclared-secret'), 'must not be copied\n');
    return {
      stackFiles,
      templateDirs: [path.join(fixtures, 'templates'), path.join(repo, 'template')],
      port: 0,
      dataDir: path.join(tmp, 'data'),
      watchdogBinary: watchdog.binary!,
      secretsDir,
      envOverrides: { S3_ENDPOINT: 'http://127.0.0.1:9999', BATON_TEST_RUN: run },
      basicAuth: auth,
      onLog: (fn, instance, line) => logged.push(`${fn} ${instance} ${line}`),
      restartBackoff: { initialMs: 100 },
      stopGraceMs: 2_000,
      ...extra,
    };
  }
  const call = (subPath: string, init?: RequestInit) => fetch(`${gw.url}/function/echo${subPath}`, init);
  const echoPid = async (subPath = '/') => ((await (await call(subPath)).json()) as { pid: number }).pid;
  const status = async () => {
    const res = await fetch(`${gw.url}/system/function/echo`, { headers: authHeader });
    const { replicas, availableReplicas } = (await res.json()) as { replicas: number; availableReplicas: number };
    return { replicas, availableReplicas };
  };
  const replicas = () => gw.supervisor.replicas('echo');

  before(async () => {
    gw = await startLocalGateway(
      await options([path.join(repo, 'stack.yml'), path.join(fixtures, 'stack.yml')], { functions: ['echo'] }),
    );
    await gw.waitUntilReady(30_000);
  });
  after(() => gw?.stop());

  it('starts min replicas with the contract environment, declared secrets only, cwd = the template', async () => {
    assert.deepEqual(await status(), { replicas: 2, availableReplicas: 2 });
    const res = await call('/hello?x=1', { method: 'POST', body: 'hi', headers: { 'X-Call-Id': 'call-1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('X-Call-Id'), 'call-1');
    const seen = (await res.json()) as Record<string, unknown> & {
      env: Record<string, string>;
      headers: Record<string, string>;
    };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/hello?x=1');
    assert.equal(seen.body, 'hi');
    assert.equal(seen.headers['x-call-id'], 'call-1');
    assert.deepEqual(seen.env, {
      BATON_FUNCTION: 'echo',
      GREETING: 'from-stack',
      ECHO_FROM_FILE: 'yes',
      S3_ENDPOINT: 'http://127.0.0.1:9999',
      exec_timeout: '5s',
    });
    assert.equal(seen.cwd, path.join(fixtures, 'templates/echo'));
    assert.equal(seen.handlerMessage, 'hello from the echo handler folder');
    assert.deepEqual(seen.secrets, [{ name: 'fixture-token', mode: 0o600 }]);
  });

  it('spreads calls round-robin over the ready replicas', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 6; i++) pids.push(await echoPid());
    assert.notEqual(pids[0], pids[1]);
    assert.deepEqual(pids, [...pids.slice(0, 2), ...pids.slice(0, 2), ...pids.slice(0, 2)]);
  });

  it('restarts a replica whose watchdog is killed, and calls succeed again', async () => {
    const watchdogs = (await processesWith({ BATON_FUNCTION: 'echo', BATON_TEST_RUN: run })).filter(
      (p) => p.ppid === process.pid,
    );
    assert.equal(watchdogs.length, 2, 'one watchdog per replica, children of this process');
    process.kill(watchdogs[0]!.pid, 'SIGKILL');
    await until('the replica is restarted and ready', () => {
      const now = replicas();
      return now.some((r) => r.restarts === 1) && now.filter((r) => r.state === 'ready').length === 2;
    });
    for (let i = 0; i < 4; i++) assert.equal((await call('/')).status, 200);
    assert.ok(
      logged.some((line) => /\[supervisor\] killed by SIGKILL; restart 1/.test(line)),
      'the restart is logged',
    );
    await until(
      'the killed replica left no wrapper behind',
      async () => (await processesWith({ BATON_TEST_RUN: run })).length === 4,
    );
  });

  it('restarts a replica whose function process crashes on a request', async () => {
    const restartsBefore = replicas().reduce((sum, r) => sum + r.restarts, 0);
    const crashed = await call('/crash');
    assert.ok(crashed.status >= 500, `a crash answers 5xx (got ${crashed.status})`);
    await until('the crashed replica is back', () => {
      const now = replicas();
      return (
        now.reduce((sum, r) => sum + r.restarts, 0) === restartsBefore + 1 && now.every((r) => r.state === 'ready')
      );
    });
    for (let i = 0; i < 4; i++) assert.equal((await call('/')).status, 200);
  });

  it('scales up and down within the scale labels, as /system/functions shows', async () => {
    const scale = (n: number) =>
      fetch(`${gw.url}/system/scale-function/echo`, {
        method: 'POST',
        headers: authHeader,
        body: JSON.stringify({ serviceName: 'echo', replicas: n }),
      });
    assert.equal((await scale(3)).status, 202);
    await until('3 replicas are available', async () => (await status()).availableReplicas === 3);
    const pids = new Set(await Promise.all([echoPid(), echoPid(), echoPid()]));
    assert.equal(pids.size, 3, 'the new replica takes calls');

    await scale(10);
    assert.equal((await status()).replicas, 3, 'clamped to com.openfaas.scale.max');
    await scale(0);
    assert.deepEqual(await status(), { replicas: 2, availableReplicas: 2 }, 'clamped to com.openfaas.scale.min');
    await until('the retired replica is gone', async () => (await processesWith({ BATON_TEST_RUN: run })).length === 4);
  });

  it('serves the replicas’ logs as ndjson, and follows them', async () => {
    const res = await fetch(`${gw.url}/system/logs?name=echo&tail=1000`, { headers: authHeader });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.ok(lines.some((l) => /^echo listening on \d+$/.test(l.text!)));
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), ['name', 'namespace', 'instance', 'timestamp', 'text']);
      assert.match(line.instance!, /^echo-[0-9a-f]{6}$/);
    }

    const follow = new AbortController();
    const stream = await fetch(`${gw.url}/system/logs?name=echo&tail=0&follow=true`, {
      headers: authHeader,
      signal: follow.signal,
    });
    try {
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      await call('/followed');
      let text = '';
      while (!text.includes('GET /followed')) text += (await reader.read()).value ?? '';
    } finally {
      follow.abort();
    }
  });

  it('rejects waitUntilReady naming a function that does not come up, with its last log lines', async () => {
    const stackFile = path.join(tmp, 'broken.yml');
    await writeFile(
      stackFile,
      `functions:\n  broken:\n    lang: echo\n    handler: ${path.join(fixtures, 'functions/echo')}\n    image: x\n` +
        '    environment:\n      fprocess: node missing-server.mjs\n',
    );
    const broken = await startLocalGateway(await options([stackFile]));
    try {
      await assert.rejects(broken.waitUntilReady(20_000), (err: Error) => {
        assert.match(
          err.message,
          /^functions not ready, a replica keeps crashing:\nbroken \(0 of 1 ready; broken-[0-9a-f]{6} \w+, \d+ restarts, last exited with code 1\)/,
        );
        assert.match(err.message, /\[broken-[0-9a-f]{6}\] .*Cannot find module/);
        return true;
      });
    } finally {
      await broken.stop();
    }
    assert.deepEqual(await processesWith({ BATON_FUNCTION: 'broken', BATON_TEST_RUN: run }), []);
  });

  it('leaves no process behind after stop(), even with a log stream open', async () => {
    assert.equal((await processesWith({ BATON_FUNCTION: 'echo', BATON_TEST_RUN: run })).length, 4);
    const following = await fetch(`${gw.url}/system/logs?name=echo&follow=true`, { headers: authHeader });
    const drained = following.text().catch(() => 'cut off');
    await gw.stop();
    await drained;
    assert.deepEqual(await processesWith({ BATON_TEST_RUN: run }), []);
    await assert.rejects(fetch(`${gw.url}/healthz`), 'the gateway no longer listens');
  });
});
