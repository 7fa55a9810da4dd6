import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { memoryRegistryStore } from '../../../registry/memory-store.ts';
import { ApiKeyStore } from '../auth/key-store.ts';
import { ROUTE_ACCESS } from '../auth/route-access.ts';
import type { Principal } from '../auth/roles.ts';
import { unusedRegistry } from '../auth/testing.ts';
import { definePipeline } from '../../../workflows/pipeline-definition.ts';
import { createApi, type ApiDeps } from './app.ts';
import { decisionBody } from './approval-routes.ts';
import { codecBody } from './codec-routes.ts';
import { createBody } from './keys-routes.ts';
import { promoteBody } from './models-routes.ts';
import { documentedRoutes, openApiDocument } from './openapi.ts';
import { listParams, triggerBody } from './runs-routes.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a JSON document

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
const doc = openApiDocument({ serverUrl: 'http://gw/function/baton', namespace: 'default' }) as Json; // no pipelines: any `input`
const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ path, method, op: op as Json })),
);
/** `GET /runs/:runId` for the operation at `/runs/{runId}` get. */
const routeOf = ({ method, path }: { method: string; path: string }) =>
  `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
const operation = (route: string) => operations.find((candidate) => routeOf(candidate) === route)!.op;
const bodySchema = (route: string) => operation(route).requestBody.content['application/json'].schema as Json;

function resolve(ref: string): unknown {
  assert.match(ref, /^#\//, `${ref}: only local references`);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
}

function everyRef(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => everyRef(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else everyRef(value, found);
    }
  }
  return found;
}

test('the document is OpenAPI 3.1 with a bearer scheme, and every reference resolves', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  assert.deepEqual(doc.servers, [{ url: 'http://gw/function/baton' }]);
  assert.deepEqual(doc.components.securitySchemes.bearer, {
    ...doc.components.securitySchemes.bearer,
    type: 'http',
    scheme: 'bearer',
  });
  for (const ref of everyRef(doc)) assert.ok(resolve(ref) !== undefined, `${ref} resolves`);
  const ids = operations.map(({ op }) => op.operationId as string);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { path, method, op } of operations) {
    const where = `${method} ${path}`;
    assert.ok(
      Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)),
      `${where} documents a success`,
    );
    for (const [status, answer] of Object.entries(op.responses as Json)) {
      assert.match(status, /^[1-5]\d\d$/, `${where}: ${status}`);
      assert.equal(typeof answer.description, 'string', `${where} ${status} has a description`);
      if (Number(status) >= 400)
        assert.deepEqual(
          answer.content,
          { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          `${where} ${status} answers the error shape`,
        );
    }
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    const declared = ((op.parameters ?? []) as Json[])
      .filter((p) => p.in === 'path')
      .map((p) => p.name as string)
      .sort();
    assert.deepEqual(declared, templated, `${where} declares each path parameter`);
    for (const parameter of (op.parameters ?? []) as Json[])
      assert.equal(typeof parameter.schema, 'object', `${where} ${parameter.name} has a schema`);
  }
});

test('the error shape is the one the API answers, and lets errors carry more (correlationId, knownPipelines)', () => {
  const error = z.fromJSONSchema(doc.components.schemas.Error);
  assert.ok(
    error.safeParse({ error: { message: 'invalid run request', issues: [{ path: 'pipeline', message: 'Required' }] } })
      .success,
  );
  assert.ok(error.safeParse({ error: { message: 'internal error', correlationId: 'c' } }).success);
  assert.equal(error.safeParse({ message: 'no wrapper' }).success, false);
  assert.equal(error.safeParse({ error: { issues: [] } }).success, false);
});

test('every route of the access table for people is documented, with its role; callbacks and progress are not', () => {
  const expected = Object.keys(ROUTE_ACCESS)
    .filter((route) => !/^POST \/(callbacks|progress)\//.test(route))
    .sort();
  assert.deepEqual(documentedRoutes().slice().sort(), expected);
  assert.deepEqual(operations.map(routeOf).sort(), expected);
  for (const entry of operations) {
    const access = ROUTE_ACCESS[routeOf(entry) as keyof typeof ROUTE_ACCESS];
    assert.equal(entry.op['x-baton-role'], access, routeOf(entry));
    assert.deepEqual(entry.op.security, access === 'public' ? [] : [{ bearer: [] }], routeOf(entry));
    if (access !== 'public')
      assert.ok(entry.op.responses['401'] && entry.op.responses['403'], `${routeOf(entry)} documents 401 and 403`);
    assert.match(
      entry.op.description,
      access === 'public' ? /Open to anyone/ : new RegExp(`Needs the role \`${access}\``),
    );
  }
  const opened = openApiDocument({
    serverUrl: 'http://gw',
    namespace: 'default',
    publicOverrides: ['POST /codec/decode'],
  }) as Json;
  assert.equal(
    opened.paths['/codec/decode'].post['x-baton-role'],
    'public',
    'configuration that opens a route shows in the document',
  );
  assert.deepEqual(opened.paths['/codec/decode'].post.security, []);
});

test("request schemas are the routes' own zod schemas", () => {
  const own = (schema: z.ZodType) => {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    });
    return rest;
  };
  assert.deepEqual(bodySchema('POST /runs'), own(triggerBody));
  assert.deepEqual(bodySchema('POST /runs/:runId/approval'), own(decisionBody));
  assert.deepEqual(bodySchema('POST /models/:name/versions/:version/promote'), own(promoteBody));
  assert.deepEqual(bodySchema('POST /keys'), own(createBody));
  assert.deepEqual(bodySchema('POST /codec/decode'), own(codecBody));
  assert.equal(
    operation('POST /models/:name/versions/:version/promote').requestBody.required,
    false,
    'an empty body promotes with the defaults',
  );
  assert.equal(operation('POST /runs').requestBody.required, true);
  const limit = (operation('GET /runs').parameters as Json[]).find((p) => p.name === 'limit')!;
  assert.deepEqual(limit.schema, own(listParams).properties?.limit);
  const name = (operation('GET /models/:name').parameters as Json[]).find((p) => p.name === 'name')!;
  assert.ok(name.schema.pattern, 'model names are checked against the registry pattern');
});

const admin: Principal = { id: 'key:root', name: 'root', roles: ['admin'] };
const viewer: Principal = { id: 'key:v', name: 'vera', roles: ['viewer'] };

function api() {
  return createApi(apiDeps());
}

function apiDeps(): ApiDeps {
  const client = { options: { loadedDataConverter: { payloadCodecs: [] } } } as unknown as Client;
  const store = memoryRegistryStore();
  return {
    client,
    taskQueue: 'q',
    namespace: 'default',
    pipelines: [],
    steps: new Map(),
    callbackKey: 'k'.repeat(32),
    signingKey: 's'.repeat(32),
    publicUrl: 'http://gw/function/baton',
    temporalUiUrl: undefined,
    health: () => ({}),
    authenticate: async (authorization) => ({ 'Bearer admin': admin, 'Bearer viewer': viewer })[authorization ?? ''],
    keys: () => new ApiKeyStore(store),
    registry: () => unusedRegistry(),
  };
}

test('a body the route refuses, the document refuses too; the examples it takes, the document takes', async () => {
  const app = api();
  const cases: [route: string, path: string, body: unknown][] = [
    ['POST /runs', '/runs', {}],
    ['POST /runs', '/runs', { pipeline: '' }],
    ['POST /runs', '/runs', { pipeline: 'p', extra: 1 }],
    ['POST /runs', '/runs', { pipeline: 'p', runId: 'has space' }],
    ['POST /runs/:runId/approval', '/runs/r/approval', { approved: 'yes' }],
    ['POST /runs/:runId/approval', '/runs/r/approval', { approved: true, by: 'someone else' }],
    ['POST /models/:name/versions/:version/promote', '/models/iris/versions/0123456789ab/promote', { stage: 'gone' }],
    ['POST /models/:name/versions/:version/promote', '/models/iris/versions/0123456789ab/promote', { by: 'x' }],
    ['POST /keys', '/keys', { name: 'ci', roles: [] }],
    ['POST /keys', '/keys', { name: 'ci', roles: ['root'] }],
    ['POST /keys', '/keys', { name: 'bad/name', roles: ['viewer'] }],
    ['POST /codec/decode', '/codec/decode', { payloads: [{ data: 'not base64!' }] }],
  ];
  for (const [route, path, body] of cases) {
    const response = await app.request(path, {
      method: 'POST',
      headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 400, `${route} refuses ${JSON.stringify(body)}`);
    assert.equal(
      z.fromJSONSchema(bodySchema(route)).safeParse(body).success,
      false,
      `the document refuses ${JSON.stringify(body)} for ${route}`,
    );
  }
  const accepted: [string, unknown][] = [
    ['POST /runs', { pipeline: 'train-classifier', input: {} }],
    ['POST /runs', { pipeline: 'train-classifier', runId: 'nightly-2025.01' }],
    ['POST /runs/:runId/approval', { approved: false, reason: 'drift' }],
    ['POST /models/:name/versions/:version/promote', {}],
    ['POST /keys', { name: 'ci-bot', roles: ['trigger'] }],
    ['POST /codec/decode', { payloads: [{ metadata: { encoding: 'YmluYXJ5L251bGw=' } }] }],
  ];
  for (const [route, body] of accepted) {
    assert.ok(
      z.fromJSONSchema(bodySchema(route)).safeParse(body).success,
      `the document takes ${JSON.stringify(body)} for ${route}`,
    );
  }
  const badName = await app.request('/models/Not_A_Model', { headers: { authorization: 'Bearer admin' } });
  assert.equal(badName.status, 400, 'a path parameter the document refuses, the route refuses');
  assert.equal(
    z.fromJSONSchema((operation('GET /models/:name').parameters as Json[])[0]!.schema).safeParse('Not_A_Model').success,
    false,
  );
});

test("POST /runs documents each pipeline's own input schema, and refuses what the route refuses", async () => {
  const pipeline = definePipeline({
    name: 'tiny',
    description: 'd',
    workflow: async function tiny() {
      return {};
    },
    steps: [],
    examples: { default: {} },
    input: z.object({ epochs: z.number().int().min(1).default(1) }).strict(),
  });
  const withPipelines = openApiDocument({
    serverUrl: 'http://gw',
    namespace: 'default',
    pipelines: [pipeline, { ...pipeline, name: 'other' }],
  }) as Json;
  const body = z.fromJSONSchema(withPipelines.paths['/runs'].post.requestBody.content['application/json'].schema);
  for (const taken of [
    { pipeline: 'tiny' },
    { pipeline: 'tiny', input: { epochs: 2 } },
    { pipeline: 'other', runId: 'r-1' },
  ]) {
    assert.ok(body.safeParse(taken).success, `takes ${JSON.stringify(taken)}`);
  }
  const app = createApi({ ...apiDeps(), pipelines: [pipeline] });
  for (const refused of [
    { pipeline: 'tiny', input: { epochs: 0 } },
    { pipeline: 'tiny', input: { epochs: 1, extra: true } },
    { pipeline: 'tiny', input: [] },
  ]) {
    assert.equal(body.safeParse(refused).success, false, `the document refuses ${JSON.stringify(refused)}`);
    const response = await app.request('/runs', {
      method: 'POST',
      headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
      body: JSON.stringify(refused),
    });
    assert.equal(response.status, 400, `the route refuses ${JSON.stringify(refused)}`);
  }
  assert.equal(body.safeParse({ pipeline: 'unknown' }).success, false, 'an unknown pipeline (404 from the route)');
});

test('GET /openapi.json serves the document to signed-in callers only', async () => {
  const app = api();
  assert.equal((await app.request('/openapi.json')).status, 401);
  const response = await app.request('/openapi.json', { headers: { authorization: 'Bearer viewer' } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), doc);
});
