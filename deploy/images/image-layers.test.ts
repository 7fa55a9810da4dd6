import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { layOutImage, pruneImageLayers } from './image-layers.ts';

const dockerfile = `FROM ghcr.io/openfaas/of-watchdog:0.11.6 AS watchdog
FROM node:20.20.2-bookworm-slim AS ship
COPY --from=watchdog /fwatchdog /usr/bin/fwatchdog
RUN chmod +x /usr/bin/fwatchdog
RUN groupadd --system app && useradd --system --gid app --create-home --home-dir /home/app app
WORKDIR /home/app
COPY dist/ ./
RUN rm -f test_*.js
USER app
ENV fprocess="node index.mjs" \\
    mode="http"
CMD ["fwatchdog"]
`;

test('a Dockerfile is followed into cached layers: files, whiteouts, user, environment', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-layers-'));
  try {
    const context = path.join(root, 'context');
    await mkdir(path.join(context, 'dist'), { recursive: true });
    await writeFile(path.join(context, 'Dockerfile'), dockerfile);
    await writeFile(path.join(context, 'dist/index.mjs'), 'console.log(1)\n');
    await writeFile(path.join(context, 'dist/test_a.js'), '');
    await writeFile(path.join(root, 'watchdog'), '#!/bin/sh\n', { mode: 0o644 });
    const options = { context, watchdogBinary: path.join(root, 'watchdog'), cacheDir: path.join(root, 'cache') };

    const first = await layOutImage(options);
    assert.equal(first.cached, 0);
    assert.deepEqual(first.cmd, ['fwatchdog']);
    assert.equal(first.workdir, '/home/app');
    assert.equal(first.user?.name, 'app');
    assert.equal(first.env.fprocess, 'node index.mjs');
    assert.match(first.env.PATH!, /\/usr\/local\/bin/);
    const top = first.layers.at(-1)!;
    assert.ok(
      (await lstat(path.join(top, 'home/app/test_a.js'))).isCharacterDevice(),
      'rm -f leaves an overlayfs whiteout',
    );
    const watchdogs = (
      await Promise.all(
        first.layers.map((layer) => lstat(path.join(layer, 'usr/bin/fwatchdog')).catch(() => undefined)),
      )
    ).filter((info) => info !== undefined);
    assert.equal(watchdogs.length, 2, 'COPY, then chmod copies it up');
    assert.equal(watchdogs[0]!.mode & 0o111, 0);
    assert.equal(watchdogs[1]!.mode & 0o111, 0o111);

    const second = await layOutImage(options);
    assert.equal(second.built, 0, 'every layer comes from the cache the second time');
    assert.deepEqual(second.layers, first.layers);

    await writeFile(path.join(context, 'dist/index.mjs'), 'console.log(2)\n');
    const changed = await layOutImage(options);
    assert.equal(changed.built, 2, 'a changed COPY source rebuilds that layer and the ones after it');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('layers unused for days are pruned, recent ones kept', async () => {
  const cache = await mkdtemp(path.join(tmpdir(), 'baton-prune-'));
  try {
    for (const name of ['old', 'recent']) {
      await mkdir(path.join(cache, 'layers', name, 'fs'), { recursive: true });
      await writeFile(path.join(cache, 'layers', name, 'layer.json'), '{}');
    }
    const weekAgo = new Date(Date.now() - 7 * 24 * 3600_000);
    await utimes(path.join(cache, 'layers/old/layer.json'), weekAgo, weekAgo);
    assert.equal(await pruneImageLayers(cache), 1);
    await assert.rejects(lstat(path.join(cache, 'layers/old')));
    await lstat(path.join(cache, 'layers/recent'));
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('an instruction the layout cannot follow is an error naming its line', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-layers-'));
  try {
    await writeFile(
      path.join(root, 'Dockerfile'),
      'FROM node:20.20.2-bookworm-slim\nRUN curl -o x https://example.org\n',
    );
    await assert.rejects(
      layOutImage({ context: root, watchdogBinary: '/bin/true', cacheDir: path.join(root, 'cache') }),
      /Dockerfile:2: RUN curl/,
    );
    await writeFile(path.join(root, 'Dockerfile'), 'FROM alpine:3.20\n');
    await assert.rejects(
      layOutImage({ context: root, watchdogBinary: '/bin/true', cacheDir: path.join(root, 'cache') }),
      /FROM alpine:3.20: no host runtime stands in for it/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
