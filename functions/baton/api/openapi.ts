/**
 * The OpenAPI 3.1 document of the trigger API, served at `GET /openapi.json`. It is assembled from what the code
 * already holds: each route module's docs (route-doc.ts: the zod schemas the route validates with, and its answers)
 * and the access table (auth/route-access.ts: who may call each route). OpenAPI 3.1 speaks JSON Schema 2020-12,
 * which is what `z.toJSONSchema` writes, so a route's request schema in the document is the route's own.
 */
import { z } from 'zod';
import { errorBody } from '#baton-contract';
import { ROUTE_ACCESS, type Access } from '../auth/route-access.ts';
import { grants, ROLES } from '../auth/roles.ts';
import { approvalRouteDocs } from './approval-routes.ts';
import { codecRouteDocs } from './codec-routes.ts';
import { keysRouteDocs } from './keys-routes.ts';
import { modelsRouteDocs } from './models-routes.ts';
import { pipelinesRouteDocs } from './pipelines-routes.ts';
import { reportRouteDocs } from './report-routes.ts';
import type { ResponseDoc, RouteDoc, RouteDocs, RouteKey } from './route-doc.ts';
import { runsRouteDocs } from './runs-routes.ts';
import { schedulesRouteDocs } from './schedules-routes.ts';
import { watchesRouteDocs } from './watches-routes.ts';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';

type JsonSchema = Record<string, unknown>;

/** The routes of the app itself (app.ts). */
const appRouteDocs: RouteDocs = {
  'GET /healthz': {
    tag: 'service',
    summary: 'Health of the orchestrator and the parts behind it',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.string() }) } },
  },
  'GET /metrics': {
    tag: 'service',
    summary: "This replica's Prometheus metrics: Baton's (`baton_*`) and its Temporal worker's (`temporal_*`)",
    responses: {
      200: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain; version=0.0.4' },
    },
  },
  'GET /openapi.json': {
    tag: 'service',
    summary: 'This document',
    responses: {
      200: { description: 'The OpenAPI 3.1 document of the trigger API', schema: z.record(z.string(), z.unknown()) },
    },
  },
};

/** Every documented route; a route of the access table for people without an entry stops `openApiDocument`. */
export function routeDocs(options: Pick<OpenApiOptions, 'namespace' | 'pipelines'>): RouteDocs {
  return {
    ...appRouteDocs,
    ...pipelinesRouteDocs,
    ...runsRouteDocs(options.pipelines ?? []),
    ...reportRouteDocs,
    ...approvalRouteDocs,
    ...schedulesRouteDocs,
    ...watchesRouteDocs,
    ...modelsRouteDocs,
    ...keysRouteDocs,
    ...codecRouteDocs(options.namespace),
  };
}

/** Routes that are not for people (a long step's callback and progress, authenticated by the function's signature) stay out. */
export function documentedRoutes(): RouteKey[] {
  return (Object.keys(ROUTE_ACCESS) as RouteKey[]).filter((route) => ROUTE_ACCESS[route] !== 'step-signature');
}

export interface OpenApiOptions {
  /** The API's public base URL (`BATON_PUBLIC_URL`): the document's server. */
  serverUrl: string;
  /** The Temporal namespace the orchestrator serves (the codec routes accept no other). */
  namespace: string;
  /** The pipelines it runs: `POST /runs` documents each one's input schema. Default: none (any `input`). */
  pipelines?: readonly PipelineDefinition[];
  /** Routes opened to anyone by configuration (as given to `routeAccess`). */
  publicOverrides?: readonly string[];
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: `issues` names each failing field',
  401: 'No credential, or one that is unknown, expired or revoked',
  403: 'The credential lacks the role this route needs (the message names it), or the request came from a page of another origin',
  404: 'Not found',
  409: 'Conflict',
  413: 'The body is over the size limit',
  415: 'The body is not JSON (send `Content-Type: application/json`)',
  500: "Internal error: the message says only a `correlationId`; the orchestrator's log has the detail",
  503: 'Temporal is unavailable or the storage is full (the message says which, with a `correlationId`): try again after `Retry-After` seconds',
};

/** The document for this deployment (server URL, codec routes opened by configuration). */
export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const docs = routeDocs(options);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of documentedRoutes()) {
    const doc = docs[route];
    if (!doc)
      throw new Error(
        `route "${route}" of the access table has no documentation: add it to its module's RouteDocs (functions/baton/api/route-doc.ts)`,
      );
    const [method, path] = route.split(' ') as [string, string];
    const access: Access = options.publicOverrides?.includes(route) ? 'public' : ROUTE_ACCESS[route];
    if (access === 'step-signature') continue; // not for people: documentedRoutes() left these out already
    (paths[path.replace(/:(\w+)/g, '{$1}')] ??= {})[method.toLowerCase()] = operation(method, path, doc, access);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton trigger API',
      version: '1',
      description:
        'Start, follow and cancel pipeline runs, put pipelines on schedules, approve and promote models, manage API keys. Every route but `/healthz` needs `Authorization: Bearer <API key or OIDC access token>` with the role in its `x-baton-role`; errors answer `{error: {message, issues?}}`. Bodies are JSON, at most 1 MiB by default.',
    },
    servers: [{ url: options.serverUrl }],
    tags: [...new Set(Object.values(docs).map((doc) => doc.tag))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`baton_<id>_<secret>`, made with `npx baton keys create`) or, when configured, an OIDC access token.',
        },
      },
      schemas: { Error: jsonSchema(errorBody) },
    },
    paths,
  };
}

function operation(
  method: string,
  path: string,
  doc: RouteDoc,
  access: Exclude<Access, 'step-signature'>,
): Record<string, unknown> {
  const pathNames = [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
  const parameters = [
    ...(doc.params
      ? parametersOf(doc.params, 'path')
      : pathNames.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))),
    ...(doc.query ? parametersOf(doc.query, 'query') : []),
    ...(doc.headers ? parametersOf(doc.headers, 'header') : []),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(doc.responses)) responses[status] = response(Number(status), answer);
  const validates = Boolean(doc.body || doc.query || doc.params || doc.headers);
  const shared: number[] = [
    ...(validates ? [400] : []),
    ...(access === 'public' ? [] : [401, 403]),
    ...(method === 'POST' ? [403] : []),
    ...(doc.body ? [413, 415] : []),
    500,
    503,
  ];
  for (const status of shared) responses[status] ??= response(status, STATUS_TEXT[status]!);
  const role =
    access === 'public'
      ? 'Open to anyone.'
      : `Needs the role \`${access}\` (held by ${ROLES.filter((r) => grants([r], access)).join(', ')}).`;
  return {
    operationId: operationId(method, path),
    summary: doc.summary,
    description: [doc.description, role].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    'x-baton-role': access,
    security: access === 'public' ? [] : [{ bearer: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: !doc.bodyOptional,
            content: { 'application/json': { schema: jsonSchema(doc.body) } },
          },
        }
      : {}),
    responses,
  };
}

function response(status: number, answer: ResponseDoc | string): Record<string, unknown> {
  const { description, schema, contentType } =
    typeof answer === 'string' ? ({ description: answer } as ResponseDoc) : answer;
  const headers =
    status === 401
      ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: '`Bearer realm="baton"`' } } }
      : {};
  if (status >= 400) return { description, ...headers, content: { 'application/json': { schema: ERROR_REF } } };
  if (contentType) return { description, content: { [contentType]: { schema: { type: 'string' } } } };
  return { description, ...(schema ? { content: { 'application/json': { schema: jsonSchema(schema) } } } : {}) };
}

/** One parameter per property of a zod object, with its schema and whether it must be given. */
function parametersOf(schema: z.ZodObject, where: 'path' | 'query' | 'header'): Record<string, unknown>[] {
  const json = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * The JSON Schema (2020-12) of what a schema accepts (`io: 'input'`: defaults make fields optional, as the route
 * sees a request), without `$schema`: OpenAPI 3.1 documents use that dialect already.
 */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** `POST /runs/:runId/cancel` → `postRunsRunIdCancel`. */
function operationId(method: string, path: string): string {
  const words = path
    .split(/[/:.]/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join('');
}
