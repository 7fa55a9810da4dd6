import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLogFile } from './log-file.ts';
import { PidFiles } from './pid-files.ts';

// /dev/full answers every write with ENOSPC: a real full disk, without root or a mount.
const devFull = existsSync('/dev/full') ? undefined : 'no /dev/full on this system';

test('a log file on a full disk drops its lines with one note, and is written again once it can be', {
  skip: devFull,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-log-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'functions.log');
  await symlink('/dev/full', path);
  const notes: string[] = [];
  const log = openLogFile(path, (line) => notes.push(line), 100);

  for (let i = 0; i < 50; i++) {
    log.write(`line ${i}\n`);
    await sleep(2);
  }
  await sleep(20);
  assert.deepEqual(notes, [
    `cannot write ${path}: the disk is full (ENOSPC); its lines are dropped until it can be written again`,
  ]);
  assert.ok(log.dropped >= 50, `${log.dropped} writes counted as dropped`);

  // Space freed (here: the path is a plain file now); the first write after the retry delay goes through.
  await rm(path);
  await sleep(120);
  log.write('back\n');
  await log.end();
  assert.equal(await readFile(path, 'utf8'), 'back\n');
  assert.equal(notes.length, 2);
  assert.match(notes[1]!, /^writing .*functions\.log again \(\d+ writes were dropped while it failed\)$/);
});

test('a pid file that cannot be written is not thrown, and noted once', { skip: devFull }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-pid-full-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const notes: string[] = [];
  const pids = new PidFiles(dir, { note: (line) => notes.push(line) });
  // The pid files' folder holds a link to /dev/full under the name the record is written to.
  await mkdir(pids.dir);
  await symlink('/dev/full', join(pids.dir, 'minio.json'));
  await symlink('/dev/full', join(pids.dir, 'temporal.json'));
  assert.equal(pids.record('minio', process.pid, { group: false }), false);
  assert.equal(pids.record('temporal', process.pid, { group: false }), false);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^cannot record minio's pid in .*: the disk is full \(ENOSPC\)/);
  assert.equal(pids.record('minio', process.pid, { group: false }), true);
  assert.match(notes[1]!, /^recording pids in .* again$/);
});
