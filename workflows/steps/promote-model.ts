import { defineStep } from '../step-definition.ts';
import { promoteModelInput, promoteModelOutput } from '../../functions/promote-model/schema.ts';

export const promoteModel = defineStep({
  name: 'promote-model',
  description:
    'Moves a registered model version to a stage (production by default); the previous production version is archived.',
  input: promoteModelInput,
  output: promoteModelOutput,
  preset: 'quick',
});
