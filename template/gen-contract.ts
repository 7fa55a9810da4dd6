/**
 * Writes every generated JSON Schema: `npm run gen:contract`.
 * - the step contract for the Python wrapper (template/baton-python/step_contract.schema.json), from the zod schemas
 *   in baton-node/step-contract.ts;
 * - each step function's `step.schema.json` (its input and output), from the step declarations in workflows/steps/,
 *   and the benchmarks' Python functions' (bench/fixtures/python-step-schemas.ts).
 * zod is the source; never edit the JSON by hand.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchPythonSchemaFiles } from '../bench/fixtures/python-step-schemas.ts';
import { contractJsonSchema } from './contract-json-schema.ts';
import { stepSchemaFiles } from './step-json-schemas.ts';

const target = fileURLToPath(new URL('./baton-python/step_contract.schema.json', import.meta.url));
writeFileSync(target, contractJsonSchema());
console.log(`wrote ${target}`);
for (const file of [
  ...(await stepSchemaFiles(fileURLToPath(new URL('../stack.yml', import.meta.url)))),
  ...benchPythonSchemaFiles(),
]) {
  writeFileSync(file.path, file.text);
  console.log(`wrote ${file.path}`);
}
