/**
 * Starts an image laid out by image-layers.ts the way a container runtime would, without Docker: in a private
 * mount and PID namespace (`unshare`), the image's layers are the root (overlayfs), the host's /usr and /etc lie
 * under the image's own /usr and /etc as its base runtime (read-only), /tmp is a fresh tmpfs, the secrets are
 * mounted read-only at /var/openfaas/secrets, and the process runs its CMD as the image's USER with exactly the
 * image's environment plus the function's. Nothing else of the host's filesystem — the checkout included — is
 * there. It shares the host's network, so the watchdog and wrapper get free ports (in a pod they have their own).
 * Needs root (mounts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsConnections } from '../local/ports.ts';
import type { ImageLayout } from './image-layers.ts';

export interface ImageRunOptions {
  layout: ImageLayout;
  /** The function's environment (stack.yml `environment` and env files) and overrides, over the image's ENV. */
  env: Record<string, string>;
  /** Secret name → value, mounted as files at /var/openfaas/secrets. */
  secrets: Record<string, string>;
  /** Every output line of the process. */
  onLine?: (line: string) => void;
}

/** A started image. */
export interface RunningImage {
  pid: number;
  /** The last output lines (for messages). */
  tail(): string;
  /** Settles with how the process ended. */
  exited: Promise<string>;
  /** Kills everything in it and removes its writable layer. */
  stop(): Promise<void>;
}

/** The secrets' mount point in OpenFaaS function containers. */
export const SECRETS_MOUNT = '/var/openfaas/secrets';

/** Starts the image's CMD; returns at once (wait with `waitForHttp`). */
export async function startImage(options: ImageRunOptions): Promise<RunningImage> {
  const { layout } = options;
  if (process.getuid?.() !== 0)
    throw new Error(
      'starting an image tree needs root (mount namespaces and overlayfs): run the image smoke test as root',
    );
  const runDir = await mkdtemp(path.join(tmpdir(), 'baton-image-'));
  const dirs = Object.fromEntries(['root', 'upper', 'work', 'secrets'].map((name) => [name, path.join(runDir, name)]));
  for (const dir of Object.values(dirs)) await mkdir(dir);
  for (const [name, value] of Object.entries(options.secrets))
    await writeFile(path.join(dirs.secrets!, name), value, { mode: 0o444 });
  await chmod(dirs.secrets!, 0o555);

  const lowerFirst = [...layout.layers].reverse(); // overlayfs lists the top layer first
  const under = (sub: string, host: string) =>
    [...lowerFirst.map((layer) => path.join(layer, sub)).filter((dir) => existsSync(dir)), host].join(':');
  const root = dirs.root!;
  const env = { ...layout.env, ...(layout.user ? { HOME: layout.user.home } : { HOME: '/root' }), ...options.env };
  const user = layout.user
    ? ['/usr/bin/setpriv', `--reuid=${layout.user.uid}`, `--regid=${layout.user.gid}`, '--clear-groups', '--']
    : [];
  const script = [
    'set -eu',
    `mount -t overlay overlay -o ${q(`lowerdir=${lowerFirst.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`)} ${q(root)}`,
    // The base runtime: the host's /usr and /etc under the image's own files there, read-only.
    `mount -t overlay overlay -o ${q(`lowerdir=${under('usr', '/usr')}`)} ${q(`${root}/usr`)}`,
    `mount -t overlay overlay -o ${q(`lowerdir=${under('etc', '/etc')}`)} ${q(`${root}/etc`)}`,
    `mount -t proc proc ${q(`${root}/proc`)}`,
    `mount --rbind /dev ${q(`${root}/dev`)}`,
    `mount -t tmpfs -o mode=1777,size=1g tmpfs ${q(`${root}/tmp`)}`,
    `mkdir -p ${q(`${root}${SECRETS_MOUNT}`)}`,
    `mount --bind ${q(dirs.secrets!)} ${q(`${root}${SECRETS_MOUNT}`)}`,
    `mount -o remount,bind,ro ${q(`${root}${SECRETS_MOUNT}`)}`,
    `exec chroot ${q(root)} ${user.map(q).join(' ')} /usr/bin/env -i --chdir=${q(layout.workdir)} "$@"`,
  ].join('\n');
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      '--kill-child',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      script,
      'image',
      ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
      ...layout.cmd,
    ],
    {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      detached: true, // its own process group: stop() reaches everything in it
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      options.onLine?.(line);
    });
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not start unshare: ${error.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`));
  });
  let stopped: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    tail: () => lines.join('\n'),
    exited,
    stop: () =>
      (stopped ??= (async () => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL'); // unshare and everything in its PID namespace
          } catch {
            // already gone
          }
        }
        await exited;
        await rm(runDir, { recursive: true, force: true });
      })()),
  };
}

/**
 * Resolves once `url` answers 200; rejects with the process's last lines when it ends first or `timeoutMs`
 * passes, naming `what` started.
 */
export async function waitForHttp(image: RunningImage, url: string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended: string | undefined;
  void image.exited.then((how) => (ended = how));
  while (Date.now() < deadline) {
    if (ended) throw new Error(`${what} ${ended} before ${url} answered; its last lines:\n${image.tail()}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      async (res) => (await res.body?.cancel(), res.status),
      () => 0,
    );
    if (status === 200) return;
    await sleep(50);
  }
  throw new Error(`${what}: ${url} did not answer 200 within ${timeoutMs / 1000} s; its last lines:\n${image.tail()}`);
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects like waitForHttp. For a wrapper
 * behind the watchdog, whose /_/ready answers 200 before the wrapper listens (as of-watchdog's does).
 */
export async function waitForPort(image: RunningImage, port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended: string | undefined;
  void image.exited.then((how) => (ended = how));
  while (Date.now() < deadline) {
    if (ended)
      throw new Error(`${what} ${ended} before port ${port} accepted connections; its last lines:\n${image.tail()}`);
    if (await acceptsConnections(port)) return;
    await sleep(50);
  }
  throw new Error(
    `${what}: port ${port} did not accept connections within ${timeoutMs / 1000} s; its last lines:\n${image.tail()}`,
  );
}

/** Single-quotes a word for /bin/sh. */
function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
