import { z } from 'zod';
import {
  StepErrorType,
  errorBody,
  progressAnswer,
  progressReport,
  stepRequest,
  stepResponse,
} from './baton-node/step-contract.ts';

/**
 * The step contract as one JSON Schema document (2020-12), with the request, response and error in `$defs`, and the
 * error types a wrapper answers with in `x-baton-error-types` (an annotation: the Python wrapper's test holds
 * `baton_step/errors.py` to it).
 */
export function contractJsonSchema(): string {
  const defs = {
    stepRequest: z.toJSONSchema(stepRequest),
    stepResponse: z.toJSONSchema(stepResponse),
    errorBody: z.toJSONSchema(errorBody),
    progressReport: z.toJSONSchema(progressReport),
    progressAnswer: z.toJSONSchema(progressAnswer),
  };
  for (const schema of Object.values(defs)) delete (schema as { $schema?: string }).$schema;
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: 'Generated from template/baton-node/step-contract.ts by `npm run gen:contract`. Do not edit.',
    'x-baton-error-types': StepErrorType,
    $defs: defs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
