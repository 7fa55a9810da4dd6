/** Processes of a stack still running: any process whose command line or environment names its data folder. */
import { readdir, readFile } from 'node:fs/promises';

/** `pid command` of every process that names `dataDir` in its command line or its BATON_STACK environment. */
export async function processesOf(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const environ = (await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')).split('\0');
    if (cmdline.includes(dataDir) || environ.includes(`BATON_STACK=${dataDir}`))
      found.push(`${entry} ${cmdline.slice(0, 120)}`);
  }
  return found;
}
