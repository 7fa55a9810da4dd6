/**
 * Command-line parsing with `util.parseArgs`: find the command words (`run`, `runs list`...), then parse the
 * rest strictly against that command's options plus the common ones, which may stand anywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { type: 'string' | 'boolean' };

/** Options every command takes. */
export const commonOptions = {
  gateway: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

/** What a command declares about its arguments. */
export interface CommandSpec {
  /** `run`, `runs list`... */
  name: string;
  options: Record<string, OptionSpec>;
  /** Names of its positional arguments, all required, in order. */
  positionals: readonly string[];
  /** Names of positional arguments that may follow the required ones (`baton models [<name>]`). */
  optionalPositionals?: readonly string[];
}

/** A parsed command line. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
  gateway: string;
}

/**
 * Where the command words are: the command's name (undefined when none is given) and the other arguments. A group
 * that is a command itself (`models`, given in `commandNames`) takes the next word only when that makes a known
 * command (`models promote`); otherwise the word is the group command's argument (`models wine`).
 */
export function splitCommand(
  argv: readonly string[],
  groups: readonly string[],
  commandNames: readonly string[] = [],
): { name?: string; rest: string[] } {
  const rest = [...argv];
  const words: string[] = [];
  for (let i = 0; i < rest.length; ) {
    const token = rest[i]!;
    if (token === '--') break;
    if (token.startsWith('-')) {
      // A common option taking a value may stand before the command: skip its value too.
      i += token === '--gateway' ? 2 : 1;
      continue;
    }
    words.push(token);
    rest.splice(i, 1);
    // `runs list`: a group takes the next word, if one follows at once.
    const groupIsCommand = commandNames.includes(token);
    if (
      words.length === 1 &&
      groups.includes(token) &&
      rest[i] !== undefined &&
      !rest[i]!.startsWith('-') &&
      (!groupIsCommand || commandNames.includes(`${token} ${rest[i]}`))
    ) {
      words.push(rest[i]!);
      rest.splice(i, 1);
    }
    break;
  }
  return { name: words.length > 0 ? words.join(' ') : undefined, rest };
}

/** Parses a command's arguments strictly; throws UsageError naming the problem. */
export function parseCommandArgs(
  spec: CommandSpec,
  args: readonly string[],
  env: Record<string, string | undefined>,
): ParsedArgs {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...commonOptions, ...spec.options },
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), spec.name);
  }
  const help = parsed.values.help === true;
  const gateway = gatewayUrl(parsed.values.gateway as string | undefined, env);
  if (!help) {
    const missing = spec.positionals.slice(parsed.positionals.length);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `<${name}>`).join(' ')}`, spec.name);
    const extra = parsed.positionals.slice(spec.positionals.length + (spec.optionalPositionals?.length ?? 0));
    if (extra.length > 0)
      throw new UsageError(
        `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((word) => `"${word}"`).join(' ')}`,
        spec.name,
      );
  }
  return { values: parsed.values, positionals: parsed.positionals, help, gateway };
}

/** The gateway: `--gateway`, else `BATON_GATEWAY_URL`, else the local default; no trailing slash. */
export function gatewayUrl(option: string | undefined, env: Record<string, string | undefined>): string {
  const [value, from] =
    option !== undefined
      ? [option, '--gateway']
      : env.BATON_GATEWAY_URL
        ? [env.BATON_GATEWAY_URL, 'BATON_GATEWAY_URL']
        : [DEFAULT_GATEWAY, 'default'];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${from} "${value}" is not a URL: give one like ${DEFAULT_GATEWAY}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${from} "${value}" is not an http(s) URL: give one like ${DEFAULT_GATEWAY}`);
  return value.replace(/\/+$/, '');
}

/** A positive integer option, within bounds. */
export function integerOption(
  value: string | boolean | undefined,
  name: string,
  min: number,
  max: number,
  command: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${String(value)}"`, command);
  }
  return number;
}

/** parseArgs' messages, shortened to what the user needs. */
function parseErrorMessage(error: unknown): string {
  const message = (error as { message?: string }).message ?? String(error);
  // The first quoted token: '--input <value>', '-h, --help', '-='.
  const option = /'(?:-\w, )?([^' ]+)/.exec(message)?.[1] ?? '?';
  if (/^Unknown option/.test(message)) return `unknown option ${option}`;
  if (/argument missing/.test(message)) return `option ${option} needs a value`;
  if (/argument is ambiguous/.test(message))
    return `option ${option} needs a value (one that starts with "-" goes as ${option}=-…)`;
  if (/does not take an argument/.test(message)) return `option ${option} takes no value`;
  return message.split('\n')[0]!;
}
