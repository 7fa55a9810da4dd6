/** What every installer step needs: the environment, the cache root, the checkout, and a progress sink. */
import { which } from './exec.ts';

export interface SetupContext {
  /** Environment for PATH lookups and for the programs setup runs. */
  env: NodeJS.ProcessEnv;
  /** The tools cache root. */
  dir: string;
  /** The Baton checkout (for the stand-in's sources and the Python requirements). */
  root: string;
  progress: (line: string) => void;
  /** False on the first, read-only pass: report what is missing instead of installing it. */
  install: boolean;
  /** Time between two `still …` lines during a long step (default 10 s; tests make it short). */
  heartbeatMs?: number;
}

/** Finds a program on the context's PATH. */
export function find(ctx: SetupContext, name: string): string | undefined {
  return which(name, ctx.env);
}

/** A progress line in setup's format: `[setup] temporal 1.5.1 … cached (0.0s)`. */
export function line(subject: string, status: string, seconds?: number): string {
  return `[setup] ${subject} … ${status}${seconds === undefined ? '' : ` (${seconds.toFixed(1)}s)`}`;
}
