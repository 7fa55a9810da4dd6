import { Hono } from 'hono';
import { z } from 'zod';
import { GatewayError } from './gateway-error.ts';
import { FUNCTION_NAMESPACE, type FunctionView, type GatewayBackend } from './backend.ts';

/**
 * faas-provider's `types.FunctionStatus` as the local gateway fills it. Unlike Go's `omitempty`, zero counts are
 * written out, so a client can tell "0 replicas" from "not reported".
 */
export interface FunctionStatus {
  name: string;
  image: string;
  namespace: string;
  envProcess: string;
  envVars: Record<string, string>;
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

/** `/system/functions`, `/system/function/{name}`, `/system/scale-function/{name}` (basic auth is applied by the app). */
export function systemRoutes(backend: GatewayBackend, invocations: (name: string) => number): Hono {
  const status = (fn: FunctionView): FunctionStatus => ({
    name: fn.spec.name,
    image: fn.spec.image,
    namespace: FUNCTION_NAMESPACE,
    envProcess: fn.envProcess,
    envVars: fn.spec.environment,
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
    .get('/functions', (c) => c.json(backend.listFunctions().map(status)))
    .on(['POST', 'PUT', 'DELETE'], '/functions', () => {
      throw new GatewayError(501, 'the local gateway runs the functions of the stack files: edit them and restart it to deploy');
    })
    .get('/function/:name', (c) => c.json(status(known(c.req.param('name')))))
    .post('/scale-function/:name', async (c) => {
      const name = c.req.param('name');
      known(name);
      const body = scaleRequestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!body.success) {
        const issue = body.error.issues[0]!;
        const field = issue.path.join('.') || 'body';
        throw new GatewayError(400, `${field}: ${field === 'body' ? 'expected a JSON object {serviceName, replicas}' : issue.message}`);
      }
      if (body.data.serviceName && body.data.serviceName !== name) {
        throw new GatewayError(400, `serviceName: "${body.data.serviceName}" does not match the function in the path, "${name}"`);
      }
      backend.setReplicas(name, body.data.replicas);
      return c.body(null, 202);
    });
}
