/**
 * Writes the step contract as JSON Schema for the Python wrapper: `npm run gen:contract`.
 * The zod schemas in node-ts/step-contract.ts are the source; never edit the JSON by hand.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractJsonSchema } from './contract-json-schema.ts';

const target = fileURLToPath(new URL('./python3-http/step_contract.schema.json', import.meta.url));
writeFileSync(target, contractJsonSchema());
console.log(`wrote ${target}`);
