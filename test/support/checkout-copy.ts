/** A throwaway copy of this checkout (its tracked and new files, node_modules linked), for tests that edit one. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { repoRoot } from '../../deploy/local/stack-config.ts';

const run = promisify(execFile);

/** Copies the checkout into a temporary folder (as a git repository of one commit) and answers its path. */
export async function copyCheckout(): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'baton-checkout-'));
  try {
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = stdout.split('\0').filter((file) => file && file !== 'node_modules');
    for (const file of files) {
      await mkdir(dirname(join(root, file)), { recursive: true });
      await cp(join(repoRoot, file), join(root, file), { dereference: false }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error; // a file deleted but not yet staged
      });
    }
    await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    // The stack names its code version after git's commit.
    const git = (...args: string[]) =>
      run('git', ['-c', 'user.email=test@baton.invalid', '-c', 'user.name=test', ...args], { cwd: root });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'copy');
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
