/**
 * Entry of a long-running TypeScript service function run from source (the template's `fprocess` on the local
 * stack): loads `<BATON_HANDLER_DIR>/handler.ts`, which exports `start({port})` returning `{close()}`. Images run
 * the bundle `npm run build` makes from the same `runService` (deploy/images/).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runService, type ServiceModule } from './run-service.ts';

const handlerPath = join(resolve(process.env.BATON_HANDLER_DIR || './function'), 'handler.ts');
await runService((await import(pathToFileURL(handlerPath).href)) as ServiceModule, handlerPath);
