/**
 * `npm run build [-- <function>...] [-f stack.yml]`: writes `build/<fn>/`, one Docker build context per function,
 * each self-contained (see build-functions.ts). Build an image with `docker build build/<fn>` (docs/production.md).
 */
import path from 'node:path';
import { repoRoot } from '../local/stack-config.ts';
import { buildFunctions } from './build-functions.ts';

const args = process.argv.slice(2);
const fileFlag = args.findIndex((arg) => arg === '-f' || arg === '--yaml');
const stackFile = fileFlag >= 0 ? path.resolve(args[fileFlag + 1] ?? '') : undefined;
const only = args.filter((arg, i) => !arg.startsWith('-') && (fileFlag < 0 || i !== fileFlag + 1));
try {
  const started = performance.now();
  const built = await buildFunctions({
    repoRoot,
    stackFile,
    only: only.length > 0 ? only : undefined,
    log: (line) => console.log(`[build] ${line}`),
  });
  console.log(
    `[build] ${built.length} build context(s) in ${path.relative(process.cwd(), path.join(repoRoot, 'build')) || 'build'}/ in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(`[build] failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
