/**
 * The supervisor's own output (`npm start`'s lines) survives a stdout that cannot be written: `npm start > baton.log`
 * on a full disk would otherwise end the whole stack at its next line (Node throws a console write's ENOSPC as an
 * unhandled 'error' event). Lines that cannot be written are dropped and counted; the first line written again says
 * how many were lost and why.
 */
import { writeSync } from 'node:fs';
import { describeWriteError } from './log-file.ts';

/** A line writer on file descriptor `fd` (1: stdout) that never throws. */
export function createSay(fd = 1): (line: string) => void {
  let dropped = 0;
  let why = '';
  const write = (text: string) => {
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  };
  return (line) => {
    try {
      if (dropped > 0) {
        write(`(${dropped} lines of this output were dropped: ${why})\n`);
        dropped = 0;
      }
      write(`${line}\n`);
    } catch (error) {
      dropped++;
      why = describeWriteError(error as NodeJS.ErrnoException);
    }
  };
}

/** Keeps a failed write to stdout or stderr by any other code (console.*) from ending the process. */
export function keepStdioErrorsHarmless(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
