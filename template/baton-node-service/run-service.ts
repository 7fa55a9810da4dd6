/**
 * Runs a long-running service module behind of-watchdog (mode=http): shared by the entry that loads the handler
 * from source (`index.ts`) and the bundled entry `npm run build` makes for images. SIGTERM (forwarded by
 * of-watchdog) closes the service gracefully.
 */
import { exitWhenParentDies } from '../baton-node/parent-watch.ts';

/** What a service handler exports. */
export interface ServiceModule {
  start(options: { port: number }): Promise<{ close(): Promise<void> }>;
}

/** Checks `service` (loaded from `handlerPath`, named in errors), starts it on `http_port` and closes it on SIGTERM/SIGINT. */
export async function runService(
  service: ServiceModule,
  handlerPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const port = Number(env.http_port || 3000);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`http_port must be a port number, got "${env.http_port}"`);
  if (typeof service.start !== 'function') throw new Error(`${handlerPath} must export "start({port})"`);

  exitWhenParentDies();
  const running = await service.start({ port });
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          process.exit(1);
        },
      );
    });
  }
}
