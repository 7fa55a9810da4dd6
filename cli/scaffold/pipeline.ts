/**
 * `baton new pipeline`: `workflows/<name>/{input,definition,workflow,workflow.test}.ts`, its workflow exported
 * from the bundle entry (workflows/index.ts) and its definition added to workflows/catalog.ts.
 */
import { UsageError } from '../errors.ts';
import { checkName } from './names.ts';
import { addImport, appendToList, readText, type Plan } from './plan.ts';
import {
  pipelineDefinition,
  pipelineInput,
  pipelineNames,
  pipelineWorkflow,
  pipelineWorkflowTest,
} from './pipeline-sources.ts';
import { pipelineNameTaken } from './taken.ts';

export const NEW_PIPELINE = 'new pipeline';

/** Checks everything and decides every change; throws a UsageError (nothing written) when something is wrong. */
export async function planPipeline(root: string, name: string): Promise<Plan> {
  checkName('pipeline', name, NEW_PIPELINE);
  const names = pipelineNames(name);
  const taken = await pipelineNameTaken(root, name, names.fn);
  if (taken)
    throw new UsageError(
      `pipeline name "${name}" is taken: ${taken}. Choose another name (or remove what holds it)`,
      NEW_PIPELINE,
    );

  const catalog = appendToList(
    await readText(root, 'workflows/catalog.ts'),
    /export const pipelines\b[^=]*=\s*\[/,
    names.definition,
  );
  if (catalog === undefined)
    throw new UsageError(
      `workflows/catalog.ts has no list \`export const pipelines = [...]\` to add "${names.definition}" to: restore it (git checkout workflows/catalog.ts) and run again`,
      NEW_PIPELINE,
    );
  const index = await readText(root, 'workflows/index.ts');
  const dir = `workflows/${name}`;
  return {
    changes: [
      { path: `${dir}/input.ts`, text: pipelineInput(name), action: 'create' },
      { path: `${dir}/definition.ts`, text: pipelineDefinition(name), action: 'create' },
      { path: `${dir}/workflow.ts`, text: pipelineWorkflow(name), action: 'create' },
      { path: `${dir}/workflow.test.ts`, text: pipelineWorkflowTest(name), action: 'create' },
      {
        path: 'workflows/catalog.ts',
        text: addImport(catalog, `import { ${names.definition} } from './${name}/definition.ts';`),
        action: 'update',
      },
      {
        path: 'workflows/index.ts',
        text: `${index}${index.endsWith('\n') ? '' : '\n'}export { ${names.fn} } from './${name}/workflow.ts';\n`,
        action: 'update',
      },
    ],
    byHand: [],
  };
}
