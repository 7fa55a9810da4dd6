import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeRegistrations } from '../../workflows/search-attributes.ts';
import { startManagedProcess, waitUntil, type ManagedProcess } from './managed-process.ts';
import type { PidFiles } from './pid-files.ts';

/** The Temporal dev server of the local stack: state in a SQLite file, so runs survive restarts. */
export interface TemporalServer {
  address: string;
  uiUrl: string;
  process: ManagedProcess;
}

/** Starts `temporal server start-dev` with Baton's search attributes registered, and waits until it answers. */
export async function startTemporalServer(options: {
  binary: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /** The codec server the Web UI decodes payloads with (Baton's orchestrator's `/codec`). */
  codecEndpoint?: string;
  onLine?: (line: string) => void;
  /** The stack's own notes (its log file cannot be written). */
  note?: (line: string) => void;
  /** Where the process is recorded, so that a later stack can stop it if this one dies without doing so. */
  pids?: PidFiles;
}): Promise<TemporalServer> {
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(options.dataDir, 'temporal.db'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--log-level',
    'warn',
    // The dev server's defaults cost ~40 ms per task dispatch (one shard, transfer queue polled 20 times a
    // second) and an fsync per SQLite commit; see bench/results/README.md. WAL keeps commits safe across a
    // process crash or restart; only an OS crash may lose the last ones, which is fine for a local stack.
    '--dynamic-config-value',
    'history.transferProcessorMaxPollRPS=1000',
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...searchAttributeRegistrations().flatMap((pair) => ['--search-attribute', pair]),
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
  ];
  const process = startManagedProcess('temporal', options.binary, args, {
    logFile: join(options.dataDir, 'logs', 'temporal.log'),
    onLine: options.onLine,
    note: options.note,
    pids: options.pids,
  });
  const address = `127.0.0.1:${options.port}`;
  await waitUntil(
    process,
    `Temporal answered on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    120_000,
  ).catch(async (error: unknown) => {
    // usually about 1 s; a start under heavy disk load once took 58 s
    await process.stop(); // a server that never got ready must not stay behind
    throw error;
  });
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, process };
}
