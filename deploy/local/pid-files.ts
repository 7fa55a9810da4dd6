/**
 * What the local stack has running, on disk: one file per process under `<dataDir>/run/pids/`, holding its pid and
 * its start time as the kernel counts it. A stack whose supervisor was SIGKILLed leaves its servers and replicas
 * running; the next stack on the same data folder finds them here and stops them before it starts its own. The
 * start time is checked against `/proc` first, so a pid the kernel has since given to another process is never
 * signalled.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeWriteError } from './log-file.ts';
import { isReplicaTmpDir } from './replica-env.ts';

/** One recorded process. */
export interface PidRecord {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat`: clock ticks since boot when the process started. */
  startTicks: string;
  /** The process leads its own group (replicas: the watchdog and its wrapper); the group is signalled. */
  group: boolean;
  /** A replica's own TMPDIR (see replicaTmpDir), removed once its stopped group is gone. */
  tmpDir?: string;
}

/** The kernel's start time of `pid`, or undefined when no such process runs (or `/proc` is not there). */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The pid files of one stack, in `<runDir>/pids/` (`runDir` is `<dataDir>/run`). */
export class PidFiles {
  readonly dir: string;
  /** Set while records cannot be written, so the note comes once per outage. */
  private failing = false;

  /**
   * `note` hears, once per outage, that pid files cannot be written (a full disk). `stackMarker`: an environment
   * entry (`BATON_STACK=<dataDir>`) every replica process of this stack carries. With it, a recorded group whose
   * leader is gone (a watchdog that died when its supervisor's pipes closed) but whose members live (its wrapper) is
   * stopped too: member by member, only those carrying the marker, so a group id the kernel has since given to
   * someone else is never signalled.
   */
  constructor(
    runDir: string,
    private readonly options: { note?: (line: string) => void; stackMarker?: string } = {},
  ) {
    this.dir = join(runDir, 'pids');
  }

  /**
   * Notes a started process under `name` (unique in the stack, e.g. `minio` or a replica id). Never throws: a process
   * that could not be recorded (full disk) runs all the same, only a later stack could not find it after a SIGKILL.
   */
  record(name: string, pid: number, options: { group: boolean; tmpDir?: string }): boolean {
    const startTicks = processStartTicks(pid);
    if (startTicks === undefined) return false; // already gone, or no /proc: nothing a later stack could check
    const record: PidRecord = { pid, startTicks, ...options };
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, `${name}.json`), JSON.stringify(record));
    } catch (error) {
      rmSync(join(this.dir, `${name}.json`), { force: true }); // an empty or partial file names nothing
      if (!this.failing)
        this.options.note?.(
          `cannot record ${name}'s pid in ${this.dir}: ${describeWriteError(error as NodeJS.ErrnoException)}; a stack started after this one is killed with SIGKILL will not find what started meanwhile`,
        );
      this.failing = true;
      return false;
    }
    if (this.failing) this.options.note?.(`recording pids in ${this.dir} again`);
    this.failing = false;
    return true;
  }

  /** Forgets a process that ended or was stopped. */
  forget(name: string): void {
    rmSync(join(this.dir, `${name}.json`), { force: true });
  }

  /**
   * Stops every recorded process that still runs as the same process (SIGTERM, SIGKILL after `graceMs`), removes the
   * TMPDIR of each replica it stopped, and removes every pid file. Returns the names of the processes it stopped.
   */
  async stopLeftovers(graceMs = 5_000): Promise<string[]> {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((file) => file.endsWith('.json'));
    } catch {
      return [];
    }
    const alive: { name: string; record: PidRecord }[] = [];
    for (const file of files) {
      const record = readRecord(join(this.dir, file));
      const name = file.slice(0, -'.json'.length);
      if (record && processStartTicks(record.pid) === record.startTicks) alive.push({ name, record });
      else if (record?.group && this.options.stackMarker)
        // The leader is gone; its orphans are stopped as single processes (the group id is not checked).
        for (const pid of orphansOf(record, this.options.stackMarker))
          alive.push({
            name: `${name} (orphan ${pid})`,
            record: { pid, startTicks: processStartTicks(pid)!, group: false },
          });
      rmSync(join(this.dir, file), { force: true });
    }
    for (const { record } of alive) signal(record, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive.some(({ record }) => running(record)) && Date.now() < deadline) await sleep(50);
    for (const { record } of alive) if (running(record)) signal(record, 'SIGKILL');
    // Only the folders of replicas found alive: their watchdog held the port the folder is named after until now, so
    // no replica of another stack can be using it (one whose leader was already gone may have given up its port).
    const withTmp = alive.filter(({ record }) => record.tmpDir);
    const killed = Date.now() + 5_000;
    while (withTmp.some(({ record }) => running(record)) && Date.now() < killed) await sleep(50);
    for (const { record } of withTmp) if (!running(record)) rmSync(record.tmpDir!, { recursive: true, force: true });
    return alive.map(({ name }) => name);
  }
}

/** Live processes in the recorded group, started after its leader, carrying the stack's environment marker. */
function orphansOf(record: PidRecord, marker: string): number[] {
  const orphans: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== record.pid || BigInt(fields[19]!) < BigInt(record.startTicks)) continue; // pgrp, start
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) orphans.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return orphans;
}

function readRecord(path: string): PidRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<PidRecord>;
    if (Number.isInteger(record.pid) && record.pid! > 1 && typeof record.startTicks === 'string') {
      // A folder to delete is taken from a file only when it is a replica's TMPDIR by name.
      const tmpDir = typeof record.tmpDir === 'string' && isReplicaTmpDir(record.tmpDir) ? record.tmpDir : undefined;
      return {
        pid: record.pid!,
        startTicks: record.startTicks,
        group: record.group === true,
        ...(tmpDir && { tmpDir }),
      };
    }
  } catch {
    // an unreadable file names no process we could check: ignore it
  }
  return undefined;
}

/**
 * Whether the process (or its group) still runs. A group's id is not given to a new process while any member
 * lives, so once the leader was checked, signalling the group reaches only what it started.
 */
function running(record: PidRecord): boolean {
  if (!record.group) return processStartTicks(record.pid) === record.startTicks;
  return signal(record, 0);
}

function signal(record: PidRecord, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(record.group ? -record.pid : record.pid, name);
    return true;
  } catch {
    return false; // ESRCH: gone meanwhile
  }
}
