/**
 * Entry of a TypeScript step function (the template's `fprocess`). of-watchdog (mode=http) forwards
 * requests to the port this listens on.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStepServer } from './server.ts';
import { exitWhenParentDies } from './parent-watch.ts';
import { progressIntervalFromEnv } from './progress.ts';
import type { StepHandlerModule } from './sdk.ts';

const port = Number(process.env.http_port || 3000);
if (!Number.isInteger(port) || port <= 0) throw new Error(`http_port must be a port number, got "${process.env.http_port}"`);
const handlerDir = resolve(process.env.BATON_HANDLER_DIR || './function');
const functionName = process.env.BATON_FUNCTION || 'function';
const progressIntervalSeconds = progressIntervalFromEnv(); // read once; the error names BATON_PROGRESS_INTERVAL

const handler = (await import(pathToFileURL(join(handlerDir, 'handler.ts')).href)) as StepHandlerModule;
if (typeof handler.handle !== 'function') throw new Error(`${join(handlerDir, 'handler.ts')} must export "handle(input, ctx)"`);

exitWhenParentDies();
const server = createStepServer(handler, functionName, { progressIntervalSeconds });
server.keepAliveTimeout = 65_000; // longer than the caller's pool keeps idle sockets
server.listen(port, '127.0.0.1', () => console.log(`${functionName}: listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
