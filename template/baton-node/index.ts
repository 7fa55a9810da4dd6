/**
 * Entry of a TypeScript step function run from source (the template's `fprocess` on the local stack): loads
 * `<BATON_HANDLER_DIR>/handler.ts` and serves it. Images run the bundle `npm run build` makes from the same
 * `serveStep` (deploy/images/).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveStep } from './serve-step.ts';
import type { StepHandlerModule } from './sdk.ts';

const handlerPath = join(resolve(process.env.BATON_HANDLER_DIR || './function'), 'handler.ts');
serveStep((await import(pathToFileURL(handlerPath).href)) as StepHandlerModule, handlerPath);
