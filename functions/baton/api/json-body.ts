import { TriggerApiError } from './trigger-api-error.ts';

/** The request's JSON body; an empty or malformed one is a 400 that shows `example` of what to send. */
export async function readJsonBody(request: Request, example: string): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) throw new TriggerApiError(400, `request body is empty: send JSON like ${example}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new TriggerApiError(400, 'request body is not valid JSON', [{ path: '(root)', message: 'invalid JSON' }]);
  }
}
