#!/usr/bin/env -S node --import tsx
/** The `baton` command line: `node --import tsx cli/baton.ts <command> ...` (or the `baton` bin, via cli/bin.js). */
import { runCli } from './main.ts';

const exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  onInterrupt: (handler) => {
    const onSigint = () => {
      handler();
      process.exit(130);
    };
    process.once('SIGINT', onSigint);
    return () => process.off('SIGINT', onSigint);
  },
});
process.exitCode = exitCode;
