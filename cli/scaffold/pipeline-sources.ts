/**
 * The text of what `baton new pipeline` writes: `workflows/<name>/{input,definition,workflow,workflow.test}.ts`,
 * in the shape of the existing pipelines. The marker comments are where `baton new step --pipeline` adds a step.
 */
import { camelCase, pascalCase } from './names.ts';

/** Where `baton new step --pipeline` adds a step's call in the workflow, and its fake output in the workflow test. */
export const STEP_CALL_MARKER = '// baton:steps';
export const FAKE_OUTPUT_MARKER = '// baton:fake-outputs';

/** The identifiers of a pipeline's files. */
export function pipelineNames(name: string) {
  const fn = camelCase(name);
  return { fn, input: `${fn}Input`, inputType: `${pascalCase(name)}Input`, definition: `${fn}Pipeline` };
}

export function pipelineInput(name: string): string {
  const n = pipelineNames(name);
  return `/** ${name}'s input: every field has a default, so \`{}\` is a valid input (GET /pipelines shows its JSON Schema). */
import { z } from 'zod';

export const ${n.input} = z.object({
  // The run's parameters, each with a default and a description, e.g.
  // modelName: z.string().default('classifier').describe('Registry name of the trained model.'),
}).strict();
export type ${n.inputType} = z.input<typeof ${n.input}>;
`;
}

export function pipelineDefinition(name: string): string {
  const n = pipelineNames(name);
  return `/** What the trigger API offers of ${name}: its workflow, input, examples and planned steps. */
import { definePipeline } from '../pipeline-definition.ts';
import { ${n.input} } from './input.ts';
import { ${n.fn} } from './workflow.ts';

export const ${n.definition} = definePipeline({
  name: '${name}',
  description: 'A new pipeline: say here what ${name} does (GET /pipelines and \`baton pipelines\` show it).',
  workflow: ${n.fn},
  input: ${n.input},
  examples: { default: {} },
  // The steps every run calls, in order (workflow.test.ts checks them against the calls); steps only some inputs
  // call go in \`alternativeSteps\`.
  steps: [],
});
`;
}

export function pipelineWorkflow(name: string): string {
  const n = pipelineNames(name);
  return `/**
 * ${name}: reads top to bottom like its diagram, one \`runStep\` per step; artifacts pass by reference. Workflows
 * are deterministic: no I/O here (lint refuses it), do it in a step.
 */
import { ${n.input}, type ${n.inputType} } from './input.ts';

/** Runs ${name}; what it returns is the run's result (GET /runs/{runId}). */
export async function ${n.fn}(rawInput: ${n.inputType}): Promise<{ input: unknown; outputs: Record<string, unknown> }> {
  const input = ${n.input}.parse(rawInput);
  const outputs: Record<string, unknown> = {};
  ${STEP_CALL_MARKER} — \`npx baton new step <name> --pipeline ${name}\` adds each step's call above this line
  return { input, outputs };
}
`;
}

export function pipelineWorkflowTest(name: string): string {
  const n = pipelineNames(name);
  return `import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPlannedStepsRan } from '../../test/support/declared-steps.ts';
import { startWorkflowTestServer, type WorkflowTestServer } from '../../test/support/workflow-test-server.ts';
import { ${n.definition} } from './definition.ts';

// ${name}'s workflow with fake steps on a real Temporal dev server: each step answers its fake output below.
const fakeOutputs: Record<string, unknown> = {
  ${FAKE_OUTPUT_MARKER} — \`npx baton new step <name> --pipeline ${name}\` adds the starter's output above this line
};

let server: WorkflowTestServer;
before(async () => {
  server = await startWorkflowTestServer();
});
after(async () => {
  await server?.stop();
});

test('${name} calls its planned steps in order and completes', async () => {
  const { result, error, stepCalls } = await server.run(${n.definition}, {}, async (call) => ({ output: fakeOutputs[call.step] }));
  assert.equal(error, undefined, String(error));
  assertPlannedStepsRan(${n.definition}, stepCalls);
  const { outputs } = result as { outputs: Record<string, unknown> };
  assert.deepEqual(Object.values(outputs), ${n.definition}.steps.map((step) => fakeOutputs[step.name]), 'the result holds every step\\'s output');
});
`;
}
