/**
 * Serves one step handler module behind of-watchdog (mode=http): the template's whole start-up, shared by the
 * entry that loads the handler from source (`index.ts`) and the bundled entry `npm run build` makes for images.
 */
import { createStepServer } from './server.ts';
import { exitWhenParentDies } from './parent-watch.ts';
import { progressIntervalFromEnv } from './progress.ts';
import { readStepKey } from './secrets.ts';
import { shutdownTracing, startTracing } from './tracing.ts';
import type { StepHandlerModule } from './sdk.ts';
import { functionDeclaration, type StepDefinition } from '../../workflows/step-definition.ts';
import { functionSteps } from '../../workflows/steps/index.ts';

/**
 * The step declaration whose input a function's calls are checked against: the one calling `functionName` in
 * workflows/steps/ (the same zod schema its step.schema.json is generated from; the union of them when several steps,
 * such as a probe, call it), or undefined for a function no
 * declaration calls (test fixtures; every function of stack.yml has one: template/step-json-schemas.test.ts).
 */
export function declarationFor(
  functionName: string,
  declarations: readonly StepDefinition[] = functionSteps,
): StepDefinition | undefined {
  return functionDeclaration(functionName, declarations);
}

/**
 * Checks `handler` (loaded from `handlerPath`, named in errors) and serves it on `http_port` until SIGTERM. Every
 * input is checked (defaults applied) with the function's step declaration before `handle` sees it.
 */
export function serveStep(handler: StepHandlerModule, handlerPath: string, env: NodeJS.ProcessEnv = process.env): void {
  const port = Number(env.http_port || 3000);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`http_port must be a port number, got "${env.http_port}"`);
  // A missing or short key stops the function here, naming the secret: it could verify no call.
  const stepKey = readStepKey(env.BATON_FUNCTION, env.BATON_SECRETS_DIR || undefined);
  const functionName = stepKey.fn;
  const progressIntervalSeconds = progressIntervalFromEnv(env); // read once; the error names BATON_PROGRESS_INTERVAL
  if (typeof handler.handle !== 'function') throw new Error(`${handlerPath} must export "handle(input, ctx)"`);

  exitWhenParentDies();
  const declared = declarationFor(functionName)?.input;
  if (!declared && !handler.input)
    console.warn(`${functionName}: no step in workflows/steps/ calls this function: its input is not checked`);
  const checked: StepHandlerModule = { ...handler, input: declared ?? handler.input };
  const server = createStepServer(checked, functionName, { progressIntervalSeconds, stepKey: stepKey.key });
  server.keepAliveTimeout = 65_000; // longer than the caller's pool keeps idle sockets
  // Tracing (when an OTLP endpoint is set) is up before the first call; the spans in its buffer leave on SIGTERM.
  startTracing(functionName, env).then(
    () => server.listen(port, '127.0.0.1', () => console.log(`${functionName}: listening on 127.0.0.1:${port}`)),
    (error: unknown) => {
      console.error(`${functionName}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
  process.on('SIGTERM', () => server.close(() => void shutdownTracing().finally(() => process.exit(0))));
}
