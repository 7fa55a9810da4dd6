/**
 * `npm start`: installs what is missing, starts the local stack, runs the demo (train-classifier through the
 * HTTP trigger, then a prediction from the production model), and keeps serving until Ctrl-C. `npm run demo`
 * (`--demo-once`) exits after the demo with its status instead. `--loop` (`npm run demo:loop`) runs the closed-loop
 * demo instead: a data server for its CSV, a watch, a monitor schedule, drift, a retraining (deploy/local/loop-demo.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PidFiles } from './pid-files.ts';
import { ensureTools } from '../tools/tools.ts';
import { loadStackConfig } from './stack-config.ts';
import { startLocalStack, type LocalStack } from './stack.ts';
import { runDemo } from './demo.ts';
import { startDemoDataServer, type DemoDataServer } from './demo-data-server.ts';
import { runLoopDemo } from './loop-demo.ts';
import { createSay, keepStdioErrorsHarmless } from './stack-output.ts';

const demoOnce = process.argv.includes('--demo-once');
const loop = process.argv.includes('--loop');
// A stdout on a full disk (`npm start > baton.log`) must not end the stack: its lines are dropped, not thrown.
keepStdioErrorsHarmless();
const say = createSay();

let stack: LocalStack | undefined;
let data: DemoDataServer | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (stack) {
      say('stopping the local stack…');
      await stack.stop();
    }
    await data?.close();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

/**
 * The loop demo tells its story from an empty registry, so it runs in a folder of its own (`<data>/loop-demo`),
 * emptied first: after stopping whatever an earlier loop demo left running there.
 */
async function freshLoopFolder<T extends { dataDir: string }>(config: T): Promise<T> {
  const dataDir = join(config.dataDir, 'loop-demo');
  await new PidFiles(join(dataDir, 'run'), { stackMarker: `BATON_STACK=${dataDir}` }).stopLeftovers();
  await rm(dataDir, { recursive: true, force: true });
  return { ...config, dataDir };
}

try {
  const config = loop ? await freshLoopFolder(loadStackConfig()) : loadStackConfig();
  const tools = await ensureTools({ progress: say });
  const functionsLog = join(config.dataDir, 'logs', 'functions.log');
  // The loop demo's CSV comes from an external server, fetch-csv's only allowed host.
  data = loop ? await startDemoDataServer() : undefined;
  stack = await startLocalStack({
    ...config,
    ...(data
      ? { functionEnv: { ...config.functionEnv, RESOURCE_BASE_URL: data.url, RESOURCE_ALLOWED_HOSTS: data.host } }
      : {}),
    tools,
    log: (line) => say(`[stack] ${line}`),
    functionsLog,
  });
  say(`
Baton is up.
  trigger API   ${stack.gatewayUrl}/function/baton   (GET /pipelines, POST /runs)
  admin key     ${join(config.dataDir, 'secrets', 'baton-admin-key')}   (send it as "Authorization: Bearer <key>"; \`npx baton\` uses it from this folder, or set BATON_TOKEN)
  gateway       ${stack.gatewayUrl}                  (/system/* needs basic auth: user admin, password in ${join(config.dataDir, 'secrets', 'basic-auth-password')})
  Temporal UI   ${stack.temporalUiUrl}
  MinIO         ${stack.minioUrl}
  function logs ${functionsLog}
`);
  const ok = data ? await runLoopDemo(stack, data, say) : await runDemo(stack, say);
  if (demoOnce) await shutdown(ok ? 0 : 1);
  say('Serving until Ctrl-C.');
} catch (error) {
  console.error(`\nbaton: ${(error as Error).message}`);
  await shutdown(1);
}
