/**
 * An append-only log file of the local stack that a full disk cannot bring down. A write that fails (ENOSPC, EDQUOT,
 * EIO...) is not thrown: the file's lines are dropped, one note says so, and writing resumes by itself once the
 * file can be written again (one more note says how many lines were lost). The supervisor writes the servers' and
 * the functions' output this way: the stack must keep serving while its disk is full.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

/** How long a broken log file waits before trying to write again. */
export const LOG_RETRY_MS = 2_000;

/** An append-only log file; `write` never throws. */
export interface LogFile {
  readonly path: string;
  /** Appends `data` (as given: add the newline yourself); dropped while the file cannot be written. */
  write(data: string | Buffer): void;
  /** Lines (writes) dropped since the file last failed. */
  readonly dropped: number;
  /** Flushes and closes the file. */
  end(): Promise<void>;
}

/** What a failed write is called in the note: the disk-full errors by their meaning, others by their code. */
export function describeWriteError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOSPC') return 'the disk is full (ENOSPC)';
  if (error.code === 'EDQUOT') return 'the disk quota is exhausted (EDQUOT)';
  return error.code ? `${error.message}` : String(error);
}

/**
 * Opens `path` for appending. `note` gets one line when writing starts failing and one when it works again;
 * `retryMs` is how long a failed file waits before the next attempt.
 */
export function openLogFile(path: string, note: (line: string) => void, retryMs = LOG_RETRY_MS): LogFile {
  let stream: WriteStream | undefined;
  /** Set from the first failed write until one succeeds again: the note is said once per outage. */
  let failing = false;
  let retryAt = 0;
  let dropped = 0;
  let ended = false;

  const open = (): WriteStream => {
    const opened = createWriteStream(path, { flags: 'a' });
    opened.on('error', (error: NodeJS.ErrnoException) => {
      if (stream === opened) stream = undefined; // the next write after retryMs opens a new one
      opened.destroy();
      retryAt = Date.now() + retryMs;
      if (!failing)
        note(`cannot write ${path}: ${describeWriteError(error)}; its lines are dropped until it can be written again`);
      failing = true;
    });
    return opened;
  };
  const written = (error?: Error | null) => {
    if (error) {
      dropped++;
    } else if (failing) {
      failing = false;
      note(`writing ${path} again (${dropped} writes were dropped while it failed)`);
      dropped = 0;
    }
  };

  // Opened at once, so the file exists (for operators and the leak test) even when a process prints nothing.
  stream = open();
  return {
    path,
    get dropped() {
      return dropped;
    },
    write(data) {
      if (ended) return;
      if (!stream && Date.now() < retryAt) {
        dropped++;
        return;
      }
      stream ??= open();
      stream.write(data, written);
    },
    async end() {
      ended = true;
      const last = stream;
      stream = undefined;
      if (!last || last.destroyed) return;
      await new Promise<void>((resolve) => {
        last.once('error', () => resolve());
        last.end(() => resolve());
      });
    },
  };
}
