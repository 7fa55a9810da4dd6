/**
 * `baton new step`: the function's folder (the template's starter handler, an in-process test; functions/conftest.py
 * makes the Python template importable for every function's tests), the step's declaration and its place in the
 * list of every step, its `stack.yml` entry and, with a pipeline, the step's place in that pipeline.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { camelCase, checkName, snakeCase } from './names.ts';
import { addImport, appendToList, insertAboveMarker, readText, type FileChange, type Plan } from './plan.ts';
import { FAKE_OUTPUT_MARKER, STEP_CALL_MARKER } from './pipeline-sources.ts';
import {
  LANGS,
  pythonTest,
  stackEntry,
  STARTER_OUTPUT,
  STARTER_OUTPUT_TS,
  stepDeclaration,
  tsTest,
  type Lang,
} from './step-sources.ts';
import { stepNameTaken } from './taken.ts';

export const NEW_STEP = 'new step';

export interface NewStep {
  name: string;
  lang: Lang;
  pipeline?: string;
}

/** Checks everything and decides every change; throws a UsageError (nothing written) when something is wrong. */
export async function planStep(root: string, step: NewStep): Promise<Plan> {
  checkName('step', step.name, NEW_STEP);
  const exportName = camelCase(step.name);
  const taken = await stepNameTaken(root, step.name, exportName);
  if (taken)
    throw new UsageError(
      `step name "${step.name}" is taken: ${taken}. Choose another name (or remove what holds it)`,
      NEW_STEP,
    );
  if (step.pipeline !== undefined && !existsSync(join(root, 'workflows', step.pipeline, 'definition.ts'))) {
    throw new UsageError(
      `no pipeline "${step.pipeline}": workflows/${step.pipeline}/definition.ts does not exist. Make it first with \`baton new pipeline ${step.pipeline}\`, or leave out --pipeline`,
      NEW_STEP,
    );
  }

  const folder = `functions/${step.name}`;
  const changes: FileChange[] = [];
  // As `faas-cli new`: the template's function/ folder is the new function's folder.
  const starter = join('template', LANGS[step.lang], 'function');
  for (const file of await readdir(join(root, starter))) {
    changes.push({ path: `${folder}/${file}`, text: await readText(root, join(starter, file)), action: 'create' });
  }
  if (step.lang === 'python') {
    changes.push({ path: `${folder}/test_${snakeCase(step.name)}.py`, text: pythonTest(step.name), action: 'create' });
  } else {
    changes.push({ path: `${folder}/handler.test.ts`, text: tsTest(step.name), action: 'create' });
  }
  changes.push({
    path: `workflows/steps/${step.name}.ts`,
    text: stepDeclaration(step.name, step.lang),
    action: 'create',
  });

  const indexPath = 'workflows/steps/index.ts';
  const index = appendToList(await readText(root, indexPath), /export const steps\b[^=]*=\s*\[/, exportName);
  if (index === undefined)
    throw new UsageError(
      `${indexPath} has no list \`export const steps = [...]\` to add "${exportName}" to: restore it (git checkout ${indexPath}) and run again`,
      NEW_STEP,
    );
  changes.push({
    path: indexPath,
    text: addImport(index, `import { ${exportName} } from './${step.name}.ts';`),
    action: 'update',
  });

  const stack = await readText(root, 'stack.yml');
  changes.push({
    path: 'stack.yml',
    text: `${stack}${stack.endsWith('\n') ? '' : '\n'}${stackEntry(step.name, step.lang)}`,
    action: 'update',
  });

  const plan: Plan = { changes, byHand: [] };
  if (step.pipeline !== undefined) await wirePipeline(root, step.pipeline, step.name, plan);
  return plan;
}

/**
 * Adds the step to a pipeline: its `steps` list, a call in its workflow, a fake output in its workflow test. Done
 * only when all three places are as `baton new pipeline` writes them; otherwise the lines to add are listed.
 */
async function wirePipeline(root: string, pipeline: string, name: string, plan: Plan): Promise<void> {
  const step = camelCase(name);
  const dir = `workflows/${pipeline}`;
  const importLine = `import { ${step} } from '../steps/${name}.ts';`;
  const call = `outputs.${step} = await runStep(${step}, {}); // the step's input: see workflows/steps/${name}.ts`;
  const fake = `${name.includes('-') ? `'${name}'` : name}: ${STARTER_OUTPUT_TS},`;

  const definition = await readText(root, `${dir}/definition.ts`);
  const workflow = await readText(root, `${dir}/workflow.ts`);
  const test = existsSync(join(root, dir, 'workflow.test.ts'))
    ? await readText(root, `${dir}/workflow.test.ts`)
    : undefined;
  // The step's TypeScript name already used there (not as part of a longer name such as "score-daily").
  const clash = new RegExp(`(?<![\\w$.'"/-])${step}(?![\\w$'"/-])`);
  const newDefinition = clash.test(definition) ? undefined : appendToList(definition, /\n\s*steps:\s*\[/, step);
  const called = clash.test(workflow) ? undefined : insertAboveMarker(workflow, STEP_CALL_MARKER, call);
  const faked = test === undefined ? undefined : insertAboveMarker(test, FAKE_OUTPUT_MARKER, fake);
  if (newDefinition !== undefined && called !== undefined && faked !== undefined) {
    const withRunStep = /from '\.\.\/run-step\.ts'/.test(workflow)
      ? called
      : addImport(called, "import { runStep } from '../run-step.ts';");
    plan.changes.push(
      { path: `${dir}/definition.ts`, text: addImport(newDefinition, importLine), action: 'update' },
      { path: `${dir}/workflow.ts`, text: addImport(withRunStep, importLine), action: 'update' },
      { path: `${dir}/workflow.test.ts`, text: faked, action: 'update' },
    );
    return;
  }
  plan.byHand.push(
    `${dir}/definition.ts: \`${importLine}\`, and add ${step} to \`steps\` where the workflow calls it (or to \`alternativeSteps\` when only some inputs do)`,
    `${dir}/workflow.ts: \`${importLine}\` (and \`import { runStep } from '../run-step.ts';\`), then call it: \`const ${step}Output = await runStep(${step}, { /* its input */ });\``,
    `the workflow tests of ${pipeline}: a fake output for step "${name}", e.g. ${JSON.stringify(STARTER_OUTPUT)}`,
  );
}
