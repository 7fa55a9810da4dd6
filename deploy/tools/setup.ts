/**
 * `npm run setup`: finds or installs the local stack's tools (Temporal CLI, MinIO, the watchdog, faas-cli,
 * the Python virtualenv) into BATON_TOOLS_DIR (default ~/.cache/baton/tools) and prints where they are.
 */
import { ensureTools, ToolError, toolsDir } from './tools.ts';

// Exit through process.exit so the setup lock is released and running builds are stopped.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

try {
  console.log(`[setup] tools cache: ${toolsDir()}`);
  const tools = await ensureTools({ progress: (l) => console.log(l), testTools: true });
  const watchdog =
    tools.watchdogKind === 'of-watchdog' ? 'the real of-watchdog' : "Baton's stand-in watchdog (deploy/local/watchdog)";
  // performance.now() counts from process start, so this includes Node's own startup.
  console.log(`[setup] done in ${(performance.now() / 1000).toFixed(1)}s; function replicas use ${watchdog}`);
  const rows: [string, string | undefined][] = [
    ['temporal', tools.temporal],
    ['minio', tools.minio],
    ['watchdog', tools.watchdog],
    ['faas-cli', tools.faasCli ?? '(not available: faas-cli checks are skipped)'],
    ['python', tools.python],
    ['test tools', tools.testToolsBin],
  ];
  for (const [name, path] of rows) console.log(`  ${name.padEnd(10)} ${path}`);
} catch (err) {
  if (!(err instanceof ToolError)) throw err;
  console.error(`[setup] failed: ${err.message}`);
  process.exitCode = 1;
}
