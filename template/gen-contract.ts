/**
 * Writes the step contract as JSON Schema for the Python wrapper: `npm run gen:contract`.
 * The zod schemas in baton-node/step-contract.ts are the source; never edit the JSON by hand.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractJsonSchema } from './contract-json-schema.ts';

const target = fileURLToPath(new URL('./baton-python/step_contract.schema.json', import.meta.url));
writeFileSync(target, contractJsonSchema());
console.log(`wrote ${target}`);
