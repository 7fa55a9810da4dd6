import type { z } from 'zod';
import { toErrorIssues } from '#baton-contract';
import { TriggerApiError } from './trigger-api-error.ts';

/**
 * A route's path parameters checked against the schema its documentation shows (route-doc.ts `params`): a value
 * that cannot name anything is a 400 naming the parameter, before it reaches storage or Temporal.
 */
export function pathParams<S extends z.ZodObject>(schema: S, params: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new TriggerApiError(400, 'invalid path parameter', toErrorIssues(parsed.error));
  return parsed.data;
}
