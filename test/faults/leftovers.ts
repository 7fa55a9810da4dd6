/**
 * Processes of a stack still running after it stopped: any process whose command line or environment names its data
 * folder, and any pid file of the data folder whose process still runs as the recorded one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processStartTicks } from '../../deploy/local/pid-files.ts';

/** `pid command` of every process of the stack on `dataDir` still running (empty: none left behind). */
export async function processesOf(dataDir: string): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const environ = (await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')).split('\0');
    if (cmdline.includes(dataDir) || environ.includes(`BATON_STACK=${dataDir}`))
      found.add(`${entry} ${cmdline.slice(0, 120)}`);
  }
  const pidsDir = join(dataDir, 'run', 'pids');
  for (const file of await readdir(pidsDir).catch(() => [])) {
    const record = JSON.parse(await readFile(join(pidsDir, file), 'utf8').catch(() => '{}')) as {
      pid?: number;
      startTicks?: string;
    };
    if (record.pid && processStartTicks(record.pid) === record.startTicks)
      found.add(`${record.pid} (pid file ${file})`);
  }
  return [...found];
}
