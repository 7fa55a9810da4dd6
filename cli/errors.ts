/**
 * What can go wrong in the CLI and how it ends: every failure becomes a message that says how to fix it and an
 * exit code — 0 ok, 1 the run failed, 2 usage or bad input, 3 cannot reach the stack.
 */
import { describeIssues } from '#baton-contract';
import { ApiError, GatewayUnreachableError } from './api/run-client.ts';
import { HOW_TO_GET_A_KEY, HOW_TO_GET_A_VIEWER_KEY } from './key-advice.ts';

export const EXIT = { ok: 0, runFailed: 1, usage: 2, unreachable: 3 } as const;

/** A mistake in the command line or its input; the usage of `command` (or of baton) follows the message. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The message and exit code of a failure that is not a usage error. */
export function describeFailure(error: unknown, gateway: string): { message: string; exitCode: number } {
  if (error instanceof GatewayUnreachableError) {
    return {
      message: `no Baton gateway at ${gateway} (${networkWords[error.reason] ?? error.reason}): start it with \`npm start\` (or set BATON_GATEWAY_URL / --gateway)`,
      exitCode: EXIT.unreachable,
    };
  }
  if (error instanceof ApiError) {
    // Most calls go to the trigger API (the "baton" function); `baton predict` calls the predict function.
    const fn = /^\w+ \/function\/([^/]+)/.exec(error.request)?.[1] ?? 'baton';
    if (!error.fromApi) {
      // The gateway answered, but not the function behind it.
      const why =
        error.status === 404
          ? `it has no "${fn}" function: is this a Baton gateway? (set BATON_GATEWAY_URL / --gateway)`
          : `${fn === 'baton' ? 'the Baton orchestrator' : `the ${fn} function`} is not running or not ready yet: wait for \`npm start\` to finish, or look at .baton/logs/functions.log`;
      return {
        message: `the gateway at ${gateway} answered ${error.status} (${oneLine(error.apiMessage)}): ${why}`,
        exitCode: EXIT.unreachable,
      };
    }
    if (fn === 'baton' && error.status === 401) {
      return {
        message: `the trigger API did not accept your credential (${oneLine(error.apiMessage).replace(/ \(an admin creates.*$/, '')}): ${HOW_TO_GET_A_KEY}`,
        exitCode: EXIT.usage,
      };
    }
    if (error.status === 401) {
      // A function people call directly (predict) checks issued keys only: its message says which key it wants.
      return {
        message: `the ${fn} function did not accept your credential: ${HOW_TO_GET_A_VIEWER_KEY}`,
        exitCode: EXIT.usage,
      };
    }
    if (fn === 'baton' && error.status === 403) {
      return { message: `${error.apiMessage}: ask an admin for a key with that role`, exitCode: EXIT.usage };
    }
    if (error.status >= 500) {
      return {
        message: `${fn === 'baton' ? 'the trigger API' : `the ${fn} function`} failed (${error.status}): ${error.apiMessage}; see .baton/logs/functions.log`,
        exitCode: EXIT.unreachable,
      };
    }
    const fields = error.issues.length ? `\n  ${describeIssues(error.issues, '\n  ')}` : '';
    return { message: `${error.apiMessage}${fields}`, exitCode: EXIT.usage };
  }
  return {
    message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    exitCode: EXIT.runFailed,
  };
}

/** The exit code of a closed run: 0 completed, 1 failed, cancelled, terminated or timed out. */
export function exitCodeOfRun(status: string): number {
  return status === 'completed' ? EXIT.ok : EXIT.runFailed;
}

const networkWords: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
