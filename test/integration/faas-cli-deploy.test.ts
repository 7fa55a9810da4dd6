/**
 * `faas-cli deploy -f stack.yml --filter echo` and `faas-cli remove echo` on the real local stack (Temporal, MinIO,
 * the gateway and real watchdog replicas of the gateway fixtures' "echo" function): the requests are the ones
 * faas-cli's proxy/deploy.go and proxy/delete.go send. A changed environment variable reaches new replicas (the old
 * ones are gone), describe shows it with the stack's local overrides and no secret value; remove stops every replica
 * and a later deploy (PUT → 404 → POST, as faas-cli does) brings the function back.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../deploy/local/stack-config.ts';
import { replicaPids, startTestStack, stopTestStack, watchdogPids, type TestStack } from '../support/test-stack.ts';
import { waitUntil } from '../support/wait-until.ts';

const fixtureSecret = `fixture-canary-${process.pid}-${Date.now()}`;
let stack: TestStack | undefined;
let fixtureDir = '';

before(async () => {
  stack = await startTestStack({
    // A copy of the fixture stack in the stack's data folder, so the test can change the handler folder on disk.
    stackFiles: async (dataDir) => {
      fixtureDir = join(dataDir, 'fixture');
      await cp(join(repoRoot, 'test/fixtures/gateway'), fixtureDir, { recursive: true });
      return [join(fixtureDir, 'stack.yml')];
    },
    templateDirs: [join(repoRoot, 'test/fixtures/gateway/templates')],
    secrets: { 'fixture-token': fixtureSecret },
  });
});
after(() => stopTestStack(stack));

const auth = () => ({
  Authorization: `Basic ${Buffer.from(`${stack!.secrets.gatewayUser}:${stack!.secrets.gatewayPassword}`).toString('base64')}`,
});

/** What faas-cli deploy sends for echo (proxy/deploy.go): environment_file merged with environment, labels, secrets. */
function deployment(greeting: string) {
  return {
    service: 'echo',
    image: 'baton/echo:test',
    namespace: 'openfaas-fn',
    envProcess: 'node echo-server.mjs',
    envVars: {
      ECHO_FROM_FILE: 'yes',
      S3_ENDPOINT: 'http://minio.baton:9000',
      GREETING: greeting,
      exec_timeout: '5s',
      read_timeout: '5s',
      write_timeout: '5s',
    },
    secrets: ['fixture-token'],
    labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '3' },
    annotations: { topic: 'testing' },
  };
}

const system = (method: string, body: unknown) =>
  fetch(`${stack!.gatewayUrl}/system/functions`, {
    method,
    headers: { ...auth(), 'Content-Type': 'application/json', 'User-Agent': 'faas-cli/0.18.1' },
    body: JSON.stringify(body),
  });

async function invoke(): Promise<{ status: number; greeting?: string; pid?: number }> {
  const res = await fetch(`${stack!.gatewayUrl}/function/echo.openfaas-fn`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: 'hi',
  });
  if (res.status !== 200) return { status: res.status };
  const body = (await res.json()) as { env: { GREETING: string }; pid: number };
  return { status: 200, greeting: body.env.GREETING, pid: body.pid };
}

async function describeEcho(): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack!.gatewayUrl}/system/function/echo?namespace=openfaas-fn&usage=1`, {
    headers: auth(),
  });
  return { status: res.status, text: await res.text() };
}

test('deploy --filter echo restarts its replicas with the changed environment; remove stops them; deploy brings it back', {
  timeout: 240_000,
}, async () => {
  assert.equal((await invoke()).greeting, 'from-stack');
  const before = await watchdogPids(stack!, 'echo');
  assert.equal(before.length, 2);

  // faas-cli deploy: PUT (update) first.
  assert.equal((await system('PUT', deployment('from-deploy'))).status, 202);
  await waitUntil(async () => {
    const now = await watchdogPids(stack!, 'echo');
    const fn = JSON.parse((await describeEcho()).text) as { availableReplicas: number };
    return now.length === 2 && now.every((pid) => !before.includes(pid)) && fn.availableReplicas === 2
      ? true
      : undefined;
  }, 60_000);
  for (let i = 0; i < 4; i++)
    assert.equal((await invoke()).greeting, 'from-deploy', 'every replica runs with the new GREETING');

  const described = await describeEcho();
  const envVars = (JSON.parse(described.text) as { envVars: Record<string, string> }).envVars;
  assert.equal(envVars.GREETING, 'from-deploy');
  assert.equal(
    envVars.S3_ENDPOINT,
    stack!.minioUrl,
    "describe shows the local override the replica runs with, not the request's value",
  );
  assert.equal(envVars.TEMPORAL_ADDRESS, stack!.temporalAddress);
  assert.ok(!described.text.includes(fixtureSecret), 'no secret value in describe');

  // faas-cli remove echo.
  assert.equal((await system('DELETE', { functionName: 'echo', namespace: 'openfaas-fn' })).status, 202);
  await waitUntil(async () => ((await replicaPids('echo', stack!.dataDir)).length === 0 ? true : undefined), 30_000);
  assert.equal((await invoke()).status, 404);
  assert.equal((await describeEcho()).status, 404);

  // faas-cli deploy after remove: PUT answers 404, so faas-cli POSTs.
  assert.equal((await system('PUT', deployment('again'))).status, 404);
  assert.equal((await system('POST', deployment('again'))).status, 202);
  const back = await waitUntil(async () => {
    const answer = await invoke();
    return answer.status === 200 ? answer : undefined;
  }, 60_000);
  assert.equal(back.greeting, 'again');
});
