import { join } from 'node:path';
import { startManagedProcess, waitUntil, type ManagedProcess } from './managed-process.ts';
import type { PidFiles } from './pid-files.ts';

/** The MinIO server of the local stack: artifacts, checkpoints and models under the data folder. */
export interface MinioServer {
  url: string;
  process: ManagedProcess;
}

/** Starts `minio server` with the given root credentials and waits until it is ready. */
export async function startMinioServer(options: {
  binary: string;
  dataDir: string;
  port: number;
  consolePort: number;
  rootUser: string;
  rootPassword: string;
  onLine?: (line: string) => void;
  /** The stack's own notes (its log file cannot be written). */
  note?: (line: string) => void;
  /** Where the process is recorded, so that a later stack can stop it if this one dies without doing so. */
  pids?: PidFiles;
}): Promise<MinioServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const process = startManagedProcess(
    'minio',
    options.binary,
    [
      'server',
      join(options.dataDir, 'minio'),
      '--address',
      `127.0.0.1:${options.port}`,
      '--console-address',
      `127.0.0.1:${options.consolePort}`,
      '--quiet',
    ],
    {
      logFile: join(options.dataDir, 'logs', 'minio.log'),
      // Credentials go through the environment, never the command line (visible in `ps`).
      env: {
        ...globalThis.process.env,
        MINIO_ROOT_USER: options.rootUser,
        MINIO_ROOT_PASSWORD: options.rootPassword,
        MINIO_BROWSER: 'off',
      },
      onLine: options.onLine,
      note: options.note,
      pids: options.pids,
    },
  );
  await waitUntil(
    process,
    `MinIO was ready at ${url}`,
    async () => (await fetch(`${url}/minio/health/ready`)).ok,
    60_000,
  ).catch(async (error: unknown) => {
    await process.stop(); // a server that never got ready must not stay behind
    throw error;
  });
  return { url, process };
}
