import type { BatonApi } from './api/run-client.ts';

/** What a command runs with: the API and its credential, where output goes, the environment. Tests pass their own. */
export interface CliContext {
  api: BatonApi;
  /** One line (or several, joined by newlines) on stdout. */
  out(text: string): void;
  /** Messages and progress on stderr. */
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Time zone of printed times; the local one when undefined. */
  timeZone?: string;
  /** Reads all of stdin (for `--input -`). */
  readStdin(): Promise<string>;
  /** Called on Ctrl-C while a command waits; answers a function that removes the handler. */
  onInterrupt(handler: () => void): () => void;
}

/** A command: its name and arguments, its help, and what it does. Answers the exit code. */
export interface Command {
  name: string;
  /** `baton runs show <runId> [--json]` */
  synopsis: string;
  summary: string;
  /** The option and argument lines of `baton <command> --help`. */
  details: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  positionals: readonly string[];
  /** Positional arguments that may follow the required ones. */
  optionalPositionals?: readonly string[];
  run(
    ctx: CliContext,
    args: { values: Record<string, string | boolean | undefined>; positionals: string[] },
  ): Promise<number>;
}
