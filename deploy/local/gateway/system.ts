import { Hono } from 'hono';
import { z } from 'zod';
import { GatewayError } from './gateway-error.ts';
import { FUNCTION_NAMESPACE, type FunctionView, type GatewayBackend } from './backend.ts';
import { deployHandler, removeHandler } from './deployments.ts';
import { infoHandler, type GatewayVersion } from './info.ts';
import { assertKnownNamespace, namespaceQuery } from './namespace.ts';

/**
 * faas-provider's `types.FunctionStatus` as the local gateway fills it. Unlike Go's `omitempty`, zero counts are
 * written out, so a client can tell "0 replicas" from "not reported".
 */
export interface FunctionStatus {
  name: string;
  image: string;
  namespace: string;
  envProcess: string;
  /** The environment the replicas really run with (see FunctionView.environment). */
  envVars: Record<string, string>;
  /** Names only: a secret's value is never shown. */
  secrets: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  limits?: { memory?: string; cpu?: string };
  invocationCount: number;
  replicas: number;
  availableReplicas: number;
  createdAt: string;
}

const scaleRequestSchema = z.object({
  serviceName: z.string().optional(),
  replicas: z.number().int().min(0),
  namespace: z.string().optional(),
});

/**
 * The provider's system API (basic auth is applied by the app): `/functions` (GET list, POST deploy, PUT update,
 * DELETE remove), `/function/{name}`, `/scale-function/{name}`, `/info`, `/namespaces`, `/namespace/{name}`. Every
 * route takes `?namespace=`; a namespace other than `openfaas-fn` is a 404 naming it.
 */
export function systemRoutes(
  backend: GatewayBackend,
  invocations: (name: string) => number,
  version: GatewayVersion,
): Hono {
  const status = (fn: FunctionView): FunctionStatus => ({
    name: fn.spec.name,
    image: fn.spec.image,
    namespace: FUNCTION_NAMESPACE,
    envProcess: fn.envProcess,
    envVars: fn.environment,
    secrets: fn.spec.secrets,
    labels: fn.spec.labels,
    annotations: fn.spec.annotations,
    ...(Object.keys(fn.spec.limits).length > 0 && { limits: fn.spec.limits }),
    invocationCount: invocations(fn.spec.name),
    replicas: fn.replicas,
    availableReplicas: fn.availableReplicas,
    createdAt: fn.createdAt.toISOString(),
  });
  const known = (name: string): FunctionView => {
    const fn = backend.getFunction(name);
    if (!fn) throw new GatewayError(404, `function ${name} not found in namespace ${FUNCTION_NAMESPACE}`);
    return fn;
  };

  return new Hono()
    .use('*', namespaceQuery())
    .get('/functions', (c) => c.json(backend.listFunctions().map(status)))
    .post('/functions', deployHandler(backend, 'create'))
    .put('/functions', deployHandler(backend, 'update'))
    .delete('/functions', removeHandler(backend))
    .get('/function/:name', (c) => c.json(status(known(c.req.param('name')))))
    .get('/info', infoHandler(version))
    .get('/namespaces', (c) => c.json([FUNCTION_NAMESPACE]))
    .get('/namespace/:name', (c) => {
      assertKnownNamespace(c.req.param('name'));
      return c.json({ name: FUNCTION_NAMESPACE });
    })
    .on(['POST', 'PUT', 'DELETE'], '/namespace/:name', () => {
      throw new GatewayError(
        501,
        `the local gateway has one namespace, ${FUNCTION_NAMESPACE}: namespaces cannot be created, changed or removed`,
      );
    })
    .post('/scale-function/:name', async (c) => {
      const name = c.req.param('name');
      known(name);
      const body = scaleRequestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!body.success) {
        const issue = body.error.issues[0]!;
        const field = issue.path.join('.') || 'body';
        throw new GatewayError(
          400,
          `${field}: ${field === 'body' ? 'expected a JSON object {serviceName, replicas}' : issue.message}`,
        );
      }
      if (body.data.serviceName && body.data.serviceName !== name) {
        throw new GatewayError(
          400,
          `serviceName: "${body.data.serviceName}" does not match the function in the path, "${name}"`,
        );
      }
      assertKnownNamespace(body.data.namespace);
      backend.setReplicas(name, body.data.replicas);
      return c.body(null, 202);
    });
}
