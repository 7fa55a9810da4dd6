/** After a scaffold: the generated files that follow from the changed sources, made by the project's own scripts. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * `gen:contract` (the step contract, and each step's JSON Schema) and `gen:chart` (the Helm chart's function data,
 * from stack.yml: a test fails when it is stale). Answers the failures, each with the script's output.
 */
export async function regenerate(root: string, scripts = ['gen:contract', 'gen:chart']): Promise<string[]> {
  const failures: string[] = [];
  for (const script of scripts) {
    try {
      await promisify(execFile)('npm', ['run', '--silent', script], { cwd: root, timeout: 120_000 });
    } catch (error) {
      const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
      failures.push(`\`npm run ${script}\` failed: ${(stderr || stdout || message).trim()}`);
    }
  }
  return failures;
}
