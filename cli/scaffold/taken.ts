/** Whether a name is taken in the checkout: a folder, a step, a function in stack.yml, a pipeline. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readText } from './plan.ts';

/** The functions `stack.yml` declares. */
export async function stackFunctions(root: string): Promise<string[]> {
  const stack = parse(await readText(root, 'stack.yml'), { merge: true }) as {
    functions?: Record<string, unknown>;
  } | null;
  return Object.keys(stack?.functions ?? {});
}

/** Files in `dir` (relative) whose text declares `name: '<name>'`: the steps or pipelines of that name. */
async function declaring(root: string, files: string[], name: string): Promise<string[]> {
  const pattern = new RegExp(`\\bname:\\s*['"\`]${name}['"\`]`);
  const found: string[] = [];
  for (const file of files) if (pattern.test(await readText(root, file))) found.push(file);
  return found;
}

/** Why `name` cannot be a new step's (and function's) name, or undefined when it is free. */
export async function stepNameTaken(root: string, name: string, exportName: string): Promise<string | undefined> {
  if (existsSync(join(root, 'functions', name))) return `the folder functions/${name} exists`;
  if (existsSync(join(root, 'workflows', 'steps', `${name}.ts`))) return `workflows/steps/${name}.ts exists`;
  if ((await stackFunctions(root)).includes(name)) return `stack.yml already has a function "${name}"`;
  const stepFiles = (await readdir(join(root, 'workflows', 'steps')))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `workflows/steps/${file}`);
  const steps = await declaring(root, stepFiles, name);
  if (steps.length > 0) return `${steps[0]} already declares a step "${name}"`;
  const exporting = [];
  for (const file of stepFiles)
    if (new RegExp(`export const ${exportName}\\b`).test(await readText(root, file))) exporting.push(file);
  if (exporting.length > 0) return `${exporting[0]} already exports "${exportName}", the new step's TypeScript name`;
  return undefined;
}

/** Why `name` cannot be a new pipeline's name, or undefined when it is free. */
export async function pipelineNameTaken(
  root: string,
  name: string,
  workflowFunction: string,
): Promise<string | undefined> {
  if (existsSync(join(root, 'workflows', name))) return `the folder workflows/${name} exists`;
  const definitions = (await pipelineFolders(root)).map((folder) => `workflows/${folder}/definition.ts`);
  const pipelines = await declaring(root, definitions, name);
  if (pipelines.length > 0) return `${pipelines[0]} already declares a pipeline "${name}"`;
  if (new RegExp(`\\b${workflowFunction}\\b`).test(await readText(root, 'workflows/index.ts'))) {
    return `workflows/index.ts already exports "${workflowFunction}", the new pipeline's workflow type`;
  }
  return undefined;
}

/** Folders of workflows/ holding a pipeline definition. */
export async function pipelineFolders(root: string): Promise<string[]> {
  const entries = await readdir(join(root, 'workflows'), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'workflows', entry.name, 'definition.ts')))
    .map((entry) => entry.name);
}
