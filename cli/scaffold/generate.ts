/** After a scaffold: the generated files that follow from the changed sources, made by the project's own scripts. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Formats the TypeScript files the scaffold wrote or edited (`npm run format`, as `npm run lint` checks it), then
 * runs `gen:contract` (the step contract, and each step's JSON Schema) and `gen:chart` (the Helm chart's function
 * data, from stack.yml: a test fails when it is stale). Answers the failures, each with the script's output.
 */
export async function regenerate(root: string, written: string[]): Promise<string[]> {
  const sources = written.filter((path) => path.endsWith('.ts'));
  const runs = [...(sources.length > 0 ? [['format', ...sources]] : []), ['gen:contract'], ['gen:chart']];
  const failures: string[] = [];
  for (const [script, ...args] of runs) {
    try {
      const argv = ['run', '--silent', script!, ...(args.length > 0 ? ['--', ...args] : [])];
      await promisify(execFile)('npm', argv, { cwd: root, timeout: 120_000 });
    } catch (error) {
      const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
      failures.push(`\`npm run ${script}\` failed: ${(stderr || stdout || message).trim()}`);
    }
  }
  return failures;
}
