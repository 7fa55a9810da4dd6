import { defineStep } from '../step-definition.ts';
import { registerModelInput, registerModelOutput } from '../../functions/register-model/schema.ts';

export const registerModel = defineStep({
  name: 'register-model',
  description:
    'Registers the model as models/<name>/<version>/ with its metadata and lineage; a new version starts in staging.',
  input: registerModelInput,
  output: registerModelOutput,
  preset: 'quick',
});
