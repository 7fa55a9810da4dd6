/**
 * The codec server: `POST /codec/encode` and `POST /codec/decode`, the Temporal Web UI's and CLI's way to show
 * (and send) payloads that Baton's workers encrypt. Body and answer: `{payloads: [...]}` in proto3 JSON.
 * The UI calls it from the browser, cross-origin: `codecCors` answers its preflight, and must come before any
 * authentication middleware (a preflight carries no credentials).
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { toErrorIssues } from '#baton-contract';
import { decodePayloads, encodePayloads } from '../codec/codec-chain.ts';
import { PayloadDecryptionError } from '../codec/encryption-codec.ts';
import { payloadFromJson, payloadJson, payloadToJson } from '../codec/payload-json.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { readJsonBody } from './json-body.ts';
import type { RouteDocs } from './route-doc.ts';

/**
 * Largest request body. Temporal refuses a payload over 2 MB (its blob size limit), and the UI sends the payloads
 * of one event (or one small group) per request; base64 adds a third.
 */
export const CODEC_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Most payloads in one request. */
export const CODEC_MAX_PAYLOADS = 1000;

export const codecBody = z.object({ payloads: z.array(payloadJson).max(CODEC_MAX_PAYLOADS) });

/** What the codec routes need. */
export interface CodecRoutesDeps {
  /** The codecs of the orchestrator's data converter, in encoding order. */
  codecs: readonly PayloadCodec[];
  /** The Temporal namespace this orchestrator serves: a request naming another in `X-Namespace` is refused. */
  namespace: string;
}

/**
 * CORS for the codec routes: the Temporal UI's origins (BATON_CODEC_CORS_ORIGINS) may call them with the headers
 * the UI sends (`X-Namespace`, `Content-Type`, and `Authorization` when the UI passes the user's access token).
 * No origins: no CORS headers, so browsers on other origins cannot read the answers.
 */
export function codecCors(origins: readonly string[]): MiddlewareHandler {
  if (origins.length === 0) return async (_c, next) => next();
  return cors({
    origin: [...origins],
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['X-Namespace', 'Content-Type', 'Authorization'],
    // The UI's "Include cross-origin credentials" setting sends cookies; allowed for the listed origins only.
    credentials: true,
    maxAge: 600,
  });
}

/** `POST /encode` and `POST /decode`, mounted under `/codec`. */
export function codecRoutes(deps: CodecRoutesDeps): Hono {
  const app = new Hono();
  app.use(
    bodyLimit({
      maxSize: CODEC_MAX_BODY_BYTES,
      onError: () => {
        throw new TriggerApiError(
          413,
          `request body is over ${CODEC_MAX_BODY_BYTES} bytes: send fewer payloads at once`,
        );
      },
    }),
  );

  const transform = (direction: 'encode' | 'decode') =>
    app.post(`/${direction}`, async (c) => {
      const namespace = c.req.header('X-Namespace');
      if (!namespaceHeader(deps.namespace).safeParse({ 'X-Namespace': namespace }).success) {
        throw new TriggerApiError(
          400,
          `X-Namespace "${namespace}" is not this codec server's namespace ("${deps.namespace}")`,
          [{ path: 'X-Namespace', message: `must be ${deps.namespace}` }],
        );
      }
      const body = codecBody.safeParse(
        await readJsonBody(c.req.raw, '{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}'),
      );
      if (!body.success) throw new TriggerApiError(400, `invalid ${direction} request`, toErrorIssues(body.error));
      const payloads = body.data.payloads.map(payloadFromJson);
      try {
        const transformed = await (direction === 'encode' ? encodePayloads : decodePayloads)(deps.codecs, payloads);
        return c.json({ payloads: transformed.map(payloadToJson) });
      } catch (error) {
        if (error instanceof PayloadDecryptionError) throw new TriggerApiError(400, error.message);
        throw error;
      }
    });
  transform('encode');
  transform('decode');
  return app;
}

/** The header the UI sends: this orchestrator's namespace, or none (empty counts as none). */
const namespaceHeader = (namespace: string) =>
  z.object({
    'X-Namespace': z
      .literal([namespace, ''])
      .optional()
      .describe("The Temporal namespace: this orchestrator's, or none"),
  });
const codecDoc = (namespace: string, direction: 'encode' | 'decode') => ({
  tag: 'codec',
  summary: `${direction === 'encode' ? 'Encode (encrypt)' : 'Decode (decrypt)'} payloads: the codec server of the Temporal UI and CLI`,
  description: `Payloads in proto3 JSON, at most ${CODEC_MAX_PAYLOADS} and ${CODEC_MAX_BODY_BYTES} bytes per request.`,
  headers: namespaceHeader(namespace),
  body: codecBody,
  responses: {
    200: { description: `The ${direction}d payloads, in order`, schema: codecBody },
    400: `An invalid body, another namespace${direction === 'decode' ? ', or a payload that does not decrypt with the current keys' : ''}`,
  },
});

/** The codec routes in the OpenAPI document, for the orchestrator of `namespace`. */
export function codecRouteDocs(namespace: string): RouteDocs {
  return { 'POST /codec/encode': codecDoc(namespace, 'encode'), 'POST /codec/decode': codecDoc(namespace, 'decode') };
}
