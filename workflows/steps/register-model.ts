import { defineStep } from '../step-definition.ts';
import { registerModelInput, registerModelOutput } from '../../functions/register-model/schema.ts';

export const registerModel = defineStep({
  name: 'register-model',
  function: 'register-model',
  description: 'Copies the model under models/<name>/<version>/ and writes its metadata and lineage beside it.',
  input: registerModelInput,
  output: registerModelOutput,
  preset: 'quick',
});
