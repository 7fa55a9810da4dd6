/**
 * Step calls made by tests as the orchestrator makes them: signed with the called function's key, derived from
 * the stack's `baton-signing-key` by the same code the invoke activity uses (template/baton-node/step-signature.ts).
 */
import { SIGNATURE_HEADER, deriveStepKey, signStepCall } from '../../template/baton-node/step-signature.ts';
import type { RunContext } from '../../template/baton-node/step-contract.ts';

/** The signature header for `body` (a step envelope with a run) sent to `fn`, valid for `expiresInSeconds`. */
export function stepSignatureHeaders(
  signingKey: string,
  fn: string,
  body: string,
  expiresInSeconds = 600,
): Record<string, string> {
  const { run } = JSON.parse(body) as { run: RunContext };
  const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
  return { [SIGNATURE_HEADER]: signStepCall({ fn, run, expires }, body, deriveStepKey(signingKey, fn)) };
}

/** What a signed call needs of a stack: its gateway and its signing key. */
export interface SigningStack {
  gatewayUrl: string;
  secrets: { signingKey: string };
}

/** POSTs `envelope` to the gateway's `/function/<fn>`, signed as the invoke activity signs it. */
export async function postSignedStep(
  stack: SigningStack,
  fn: string,
  envelope: { input: unknown; run: RunContext },
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = JSON.stringify(envelope);
  return fetch(`${stack.gatewayUrl}/function/${fn}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...stepSignatureHeaders(stack.secrets.signingKey, fn, body),
      ...headers,
    },
    body,
  });
}
