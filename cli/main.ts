/**
 * `baton`: finds the command, parses its arguments, runs it, and turns every failure into a message that says
 * how to fix it and an exit code (0 ok, 1 run failed, 2 usage or bad input, 3 cannot reach the stack).
 */
import { parseCommandArgs, splitCommand } from './args.ts';
import { commandGroups, commands } from './commands/index.ts';
import type { CliContext } from './context.ts';
import { findToken } from './credentials.ts';
import { describeFailure, EXIT, UsageError } from './errors.ts';
import { commandUsage, groupUsage, mainUsage, shortUsage } from './usage.ts';

/** What the CLI needs from its process; `runCli` is tested with fakes. */
export type CliIo = Omit<CliContext, 'api'>;

/** Runs the command line `argv` (without `node` and the script); answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { name, rest } = splitCommand(
    argv,
    commandGroups,
    commands.map((candidate) => candidate.name),
  );
  const command = commands.find((candidate) => candidate.name === name);
  const wantsHelp = rest.some((token) => token === '--help' || token === '-h');

  if (!command) {
    if (name === undefined || name === 'help') {
      if (name === 'help' || wantsHelp) {
        io.out(mainUsage(commands));
        return EXIT.ok;
      }
      io.err(`${usageFailure('missing command')}\n\n${mainUsage(commands)}`);
      return EXIT.usage;
    }
    const group = commandGroups.find((candidate) => candidate === name || name.startsWith(`${candidate} `));
    if (group && name === group && wantsHelp) {
      io.out(groupUsage(group, commands));
      return EXIT.ok;
    }
    const what = group
      ? name === group
        ? `"${group}" needs a command`
        : `unknown command "${name}"`
      : `unknown command "${name}"`;
    io.err(`${usageFailure(what)}\n\n${group ? groupUsage(group, commands) : mainUsage(commands)}`);
    return EXIT.usage;
  }

  let gateway = '';
  try {
    const args = parseCommandArgs(command, rest, io.env);
    gateway = args.gateway;
    if (args.help) {
      io.out(commandUsage(command));
      return EXIT.ok;
    }
    return await command.run({ ...io, api: { gatewayUrl: gateway, token: await findToken(io.env, io.cwd) } }, args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${usageFailure(error.message)}\n${shortUsage(command)}`);
      return EXIT.usage;
    }
    const failure = describeFailure(error, gateway);
    io.err(`baton: ${failure.message}`);
    return failure.exitCode;
  }
}

function usageFailure(message: string): string {
  return `baton: ${message}`;
}
