/**
 * Each function's step schemas as JSON Schema (2020-12), generated from the step declarations in workflows/steps/
 * (zod is the source): `functions/<handler folder>/step.schema.json` holding `{input, output}`. The input schema is
 * the input side (`io: 'input'`): fields with a default are optional there and carry it as `default`, which the
 * Python wrapper fills in before the handler runs. Written by `npm run gen:contract`; never edit the JSON by hand.
 */
import path from 'node:path';
import { z } from 'zod';
import { loadStackFiles } from '../deploy/local/stack-file.ts';
import { functionDeclaration, type StepDefinition } from '../workflows/step-definition.ts';
import { functionSteps } from '../workflows/steps/index.ts';

/** The file a function's handler folder holds its step's schemas in (the Python wrapper reads it by this name). */
export const STEP_SCHEMA_FILE = 'step.schema.json';

/** The templates whose functions are steps (each must have a declaration); the orchestrator's is not one. */
export const STEP_TEMPLATES = ['baton-python', 'baton-node'];

/** One generated file: where it goes and what it holds. */
export interface StepSchemaFile {
  function: string;
  path: string;
  text: string;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  delete generated.$schema; // one $schema, at the top of the file
  return generated;
}

/** The document for one step (two-space JSON, newline-terminated). */
export function stepSchemaDocument(step: StepDefinition): string {
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: `Generated from the step declaration "${step.name}" in workflows/steps/ by \`npm run gen:contract\`. Do not edit.`,
    step: step.name,
    function: step.function,
    input: jsonSchema(step.input, 'input'),
    output: jsonSchema(step.output, 'output'),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Every step function's schema file, found through `stack.yml`'s `handler:` of the declaration's `function` (a
 * function several declarations call gets the union of their schemas). Throws naming the step when its function is
 * not in the stack file, and the function when a step template's function has no declaration.
 */
export async function stepSchemaFiles(
  stackFile: string,
  declarations: readonly StepDefinition[] = functionSteps,
): Promise<StepSchemaFile[]> {
  const { functions } = await loadStackFiles([stackFile]);
  const functionNames = [...new Set(declarations.map((step) => step.function))];
  const files: StepSchemaFile[] = [];
  for (const name of functionNames) {
    // Several steps may call one function (its main step and a probe): its file holds the union of their schemas.
    const step = functionDeclaration(name, declarations)!;
    const spec = functions.find((fn) => fn.name === name);
    if (!spec)
      throw new Error(
        `step "${step.name}" calls function "${step.function}", which ${path.basename(stackFile)} does not define`,
      );
    files.push({
      function: spec.name,
      path: path.join(spec.handler, STEP_SCHEMA_FILE),
      text: stepSchemaDocument(step),
    });
  }
  for (const spec of functions) {
    if (STEP_TEMPLATES.includes(spec.lang) && !functionNames.includes(spec.name)) {
      throw new Error(
        `function ${spec.name} (${spec.lang}) has no step declaration: declare it in workflows/steps/ and list it in workflows/steps/index.ts`,
      );
    }
  }
  return files;
}
