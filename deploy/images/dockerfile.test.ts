import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseCommand, parseDockerfile, parseEnvArgs, substitute } from './dockerfile.ts';

test("the templates' Dockerfiles read into their stages, continuations joined, comments dropped", async () => {
  const stages = parseDockerfile(
    await readFile(new URL('../../template/baton-python/Dockerfile', import.meta.url), 'utf8'),
  );
  assert.deepEqual(
    stages.map((s) => [s.image, s.name]),
    [
      ['ghcr.io/openfaas/of-watchdog:0.11.6', 'watchdog'],
      ['python:3.11.7-slim-bookworm', 'ship'],
    ],
  );
  const env = stages[1]!.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseEnvArgs(i.args));
  assert.deepEqual(Object.fromEntries(env.flat()).fprocess, 'python3 index.py');
  assert.ok(stages[1]!.instructions.every((i) => !i.args.includes('\\\n')));
});

test('every template pins its base images by exact version', async () => {
  for (const lang of ['baton-node', 'baton-node-service', 'baton-python']) {
    const stages = parseDockerfile(
      await readFile(new URL(`../../template/${lang}/Dockerfile`, import.meta.url), 'utf8'),
    );
    for (const { image } of stages) assert.match(image, /:\d+\.\d+\.\d+(-[a-z-]+)?$/, `${lang}: ${image}`);
  }
});

test("ENV, CMD and ARG substitution follow Docker's rules", () => {
  assert.deepEqual(parseEnvArgs('a=1 b="two words" c=\'x y\''), [
    ['a', '1'],
    ['b', 'two words'],
    ['c', 'x y'],
  ]);
  assert.deepEqual(parseEnvArgs('LEGACY some value'), [['LEGACY', 'some value']]);
  assert.deepEqual(parseCommand('["fwatchdog"]'), ['fwatchdog']);
  assert.deepEqual(parseCommand('fwatchdog -x'), ['/bin/sh', '-c', 'fwatchdog -x']);
  assert.equal(substitute('if [ -n "${PKG}" ]; then $X; fi', { X: 'go' }), 'if [ -n "" ]; then go; fi');
  assert.throws(() => parseDockerfile('RUN x\n'), /no FROM/);
});
