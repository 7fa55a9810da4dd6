import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contractJsonSchema } from './contract-json-schema.ts';

test('the Python wrapper reads the same step contract as the TypeScript one', () => {
  const committed = readFileSync(new URL('./baton-python/step_contract.schema.json', import.meta.url), 'utf8');
  assert.equal(committed, contractJsonSchema(), 'run `npm run gen:contract` and commit the result');
});
