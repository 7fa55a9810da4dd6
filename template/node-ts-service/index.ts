/**
 * Entry of a long-running TypeScript service function (the template's `fprocess`): the handler module
 * exports `start({port})` and returns something with `close()`. SIGTERM (forwarded by of-watchdog) closes it
 * gracefully.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitWhenParentDies } from '../node-ts/parent-watch.ts';

interface ServiceModule {
  start(options: { port: number }): Promise<{ close(): Promise<void> }>;
}

const port = Number(process.env.http_port || 3000);
if (!Number.isInteger(port) || port <= 0) throw new Error(`http_port must be a port number, got "${process.env.http_port}"`);
const handlerPath = join(resolve(process.env.BATON_HANDLER_DIR || './function'), 'handler.ts');
const service = (await import(pathToFileURL(handlerPath).href)) as ServiceModule;
if (typeof service.start !== 'function') throw new Error(`${handlerPath} must export "start({port})"`);

exitWhenParentDies();
const running = await service.start({ port });
let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    running.close().then(() => process.exit(0), (error: unknown) => {
      console.error('shutdown failed:', error);
      process.exit(1);
    });
  });
}
