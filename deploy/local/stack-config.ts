import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '#baton-contract';

/** The ports of the local stack, each settable by its own environment key. */
export interface StackPorts {
  gateway: number;
  /** The gateway's Prometheus `/metrics` listener (the OpenFaaS gateway's 8082). */
  gatewayMetrics: number;
  temporal: number;
  temporalUi: number;
  minio: number;
  minioConsole: number;
}

/** Which environment key sets which port: named in every "port taken" error. */
export const portKeys: Record<keyof StackPorts, string> = {
  gateway: 'BATON_GATEWAY_PORT',
  gatewayMetrics: 'BATON_GATEWAY_METRICS_PORT',
  temporal: 'BATON_TEMPORAL_PORT',
  temporalUi: 'BATON_TEMPORAL_UI_PORT',
  minio: 'BATON_MINIO_PORT',
  minioConsole: 'BATON_MINIO_CONSOLE_PORT',
};

/** Settings of `npm start`, read once from the environment. */
export interface StackConfig {
  repoRoot: string;
  dataDir: string;
  ports: StackPorts;
  /** Basic auth on the gateway's /system/* routes, as a real OpenFaaS gateway has it. */
  gatewayAuth: boolean;
  /**
   * Environment for every function, from `BATON_FUNCTION_ENV_<KEY>=<value>`: how the local stack points the
   * functions wrapping external resources at real ones (`BATON_FUNCTION_ENV_RESOURCE_BASE_URL`, `..._PGHOST`).
   */
  functionEnv: Record<string, string>;
}

const FUNCTION_ENV_PREFIX = 'BATON_FUNCTION_ENV_';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const schema = z.object({
  BATON_DATA_DIR: z.string().min(1).default(resolve(repoRoot, '.baton')),
  BATON_GATEWAY_PORT: port(8080),
  BATON_GATEWAY_METRICS_PORT: port(8082),
  BATON_TEMPORAL_PORT: port(7233),
  BATON_TEMPORAL_UI_PORT: port(8233),
  BATON_MINIO_PORT: port(9000),
  BATON_MINIO_CONSOLE_PORT: port(9001),
  BATON_GATEWAY_AUTH: z.enum(['on', 'off']).default('on'),
});

/** Parses the stack's settings; the error names each wrong key. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid settings:\n  ${describeZodError(parsed.error, { separator: '\n  ' })}`);
  }
  const e = parsed.data;
  return {
    repoRoot,
    dataDir: resolve(e.BATON_DATA_DIR),
    ports: {
      gateway: e.BATON_GATEWAY_PORT,
      gatewayMetrics: e.BATON_GATEWAY_METRICS_PORT,
      temporal: e.BATON_TEMPORAL_PORT,
      temporalUi: e.BATON_TEMPORAL_UI_PORT,
      minio: e.BATON_MINIO_PORT,
      minioConsole: e.BATON_MINIO_CONSOLE_PORT,
    },
    gatewayAuth: e.BATON_GATEWAY_AUTH === 'on',
    functionEnv: Object.fromEntries(
      Object.entries(env)
        .filter(
          (entry): entry is [string, string] =>
            entry[0].startsWith(FUNCTION_ENV_PREFIX) &&
            entry[0].length > FUNCTION_ENV_PREFIX.length &&
            entry[1] !== undefined,
        )
        .map(([key, value]) => [key.slice(FUNCTION_ENV_PREFIX.length), value]),
    ),
  };
}

/** Fails with a message naming the port and the key that changes it when any port is taken. */
export async function assertPortsFree(ports: StackPorts): Promise<void> {
  const taken: string[] = [];
  for (const [name, value] of Object.entries(ports) as [keyof StackPorts, number][]) {
    if (value !== 0 && !(await isFree(value)))
      taken.push(`port ${value} is already in use: stop what listens there or set ${portKeys[name]} to a free port`);
  }
  if (taken.length > 0) throw new Error(taken.join('\n'));
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}
