/** The names a scaffold derives from one step or pipeline name, and the rule that name must follow. */
import { UsageError } from '../errors.ts';

/** OpenFaaS function names are DNS-1123 labels (Kubernetes names services after them); Baton adds "starts with a letter". */
const FUNCTION_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LENGTH = 63;
/** Words a TypeScript declaration cannot be named (a step is exported, a workflow is a function, under the camelCase name). */
const RESERVED = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'null',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
  'await',
]);

/** Throws a UsageError saying why `name` is not a valid function name and how to write one. */
export function checkName(kind: 'step' | 'pipeline', name: string, command: string): void {
  const why =
    name.length > MAX_LENGTH
      ? `it has ${name.length} characters, at most ${MAX_LENGTH} fit a function name`
      : !FUNCTION_NAME.test(name)
        ? whyNotLabel(name)
        : name.includes('--')
          ? 'it holds "--", which has no camelCase form for its TypeScript name'
          : RESERVED.has(camelCase(name))
            ? `its TypeScript name "${camelCase(name)}" is a reserved word`
            : undefined;
  if (why) {
    throw new UsageError(
      `${kind} name "${name}" is not a valid function name: ${why}. Use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "score-model")`,
      command,
    );
  }
}

function whyNotLabel(name: string): string {
  if (name === '') return 'it is empty';
  if (!/^[a-z]/.test(name)) return 'it must start with a lowercase letter';
  const bad = [...new Set(name.replace(/[-a-z0-9]/g, ''))];
  if (bad.length > 0) return `it holds ${bad.map((c) => `"${c}"`).join(', ')}`;
  return 'it must not end with "-"';
}

/** `score-model` → `scoreModel`: the step's export, a workflow function's name. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `score-model` → `ScoreModel`: type names. */
export function pascalCase(name: string): string {
  const camel = camelCase(name);
  return camel[0]!.toUpperCase() + camel.slice(1);
}

/** `score-model` → `score_model`: Python module names. */
export function snakeCase(name: string): string {
  return name.replace(/-/g, '_');
}
