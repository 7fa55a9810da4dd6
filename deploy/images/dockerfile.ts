/**
 * Reads a template's Dockerfile into its stages and instructions — enough of the Dockerfile syntax for the image
 * smoke test to follow it (FROM, ARG, ENV, WORKDIR, COPY, RUN, USER, CMD, and the ones it only records).
 */

/** One instruction of a stage, its arguments with line continuations joined. */
export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line of the Dockerfile where it starts, for messages. */
  line: number;
}

/** A `FROM <image> [AS <name>]` stage and what follows it. */
export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Parses Dockerfile text into stages; ARGs before the first FROM are dropped (none of Baton's use them). */
export function parseDockerfile(text: string, file = 'Dockerfile'): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      logical = logical.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i]!)) logical += lines[i]!; // comment lines inside a continuation are skipped, as Docker does
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(logical);
    if (!match) throw new Error(`${file}:${start + 1}: cannot read "${logical.trim()}"`);
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`${file}:${start + 1}: FROM must be "FROM <image> [AS <name>]"`);
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new Error(`${file}: no FROM`);
  return stages;
}

/** `ENV a=1 b="two words"` (or the old `ENV a 1`) → pairs, in order. */
export function parseEnvArgs(args: string): [string, string][] {
  if (!/^[\w.-]+=/.test(args)) {
    const old = /^([\w.-]+)\s+(.*)$/.exec(args);
    if (!old) throw new Error(`ENV ${args}: expected key=value`);
    return [[old[1]!, old[2]!]];
  }
  const pairs: [string, string][] = [];
  const pattern = /([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/y;
  let position = 0;
  while (position < args.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(args);
    if (!match) throw new Error(`ENV ${args}: cannot read from "${args.slice(position)}"`);
    const raw = match[2]!;
    const value = raw.startsWith('"')
      ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
      : raw.startsWith("'")
        ? raw.slice(1, -1)
        : raw;
    pairs.push([match[1]!, value]);
    position = pattern.lastIndex;
  }
  return pairs;
}

/** `["fwatchdog"]` (exec form) or `fwatchdog` (shell form, run with /bin/sh -c). */
export function parseCommand(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['/bin/sh', '-c', args];
}

/** Replaces `$NAME` and `${NAME}` with values (unknown names become empty, as in Docker). */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string | undefined, bare: string | undefined) => values[(braced ?? bare)!] ?? '',
  );
}
