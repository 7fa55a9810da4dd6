import type { Context } from 'hono';
import { z } from 'zod';
import { specFromDeployment, type FunctionSpec } from '../stack-file.ts';
import type { FunctionDeployment, GatewayBackend } from './backend.ts';
import { GatewayError } from './gateway-error.ts';
import { assertKnownNamespace } from './namespace.ts';

const resources = z.looseObject({ memory: z.string().optional(), cpu: z.string().optional() }).nullish();

/** faas-provider's `types.FunctionDeployment` (Go's `omitempty` fields may be absent or null). */
const deploymentSchema = z.looseObject({
  service: z.string().min(1),
  image: z.string().min(1),
  namespace: z.string().nullish(),
  envProcess: z.string().nullish(),
  envVars: z.record(z.string(), z.string()).nullish(),
  constraints: z.array(z.string()).nullish(),
  secrets: z.array(z.string()).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
  limits: resources,
  requests: resources,
  readOnlyRootFilesystem: z.boolean().nullish(),
});

/** faas-provider's `types.DeleteFunctionRequest`. */
const deleteSchema = z.looseObject({ functionName: z.string().min(1), namespace: z.string().nullish() });

/**
 * `POST` (create) and `PUT` (update) `/system/functions` with the deployment faas-cli sends: 202 once the function's
 * replicas are restarting with the new configuration (faas-cli accepts 200, 201 and 202). `PUT` of an unknown
 * function is a 404, which makes `faas-cli deploy` retry with `POST`.
 */
export function deployHandler(backend: GatewayBackend, mode: 'create' | 'update') {
  return async (c: Context): Promise<Response> => {
    const body = parse(
      deploymentSchema,
      await readJson(c),
      '{service, image, envVars, labels, annotations, secrets, ...}',
    );
    assertKnownNamespace(body.namespace ?? undefined);
    const deployment: FunctionDeployment = {
      service: body.service,
      image: body.image,
      ...(body.namespace && { namespace: body.namespace }),
      ...(body.envProcess && { envProcess: body.envProcess }),
      envVars: body.envVars ?? {},
      secrets: body.secrets ?? [],
      labels: body.labels ?? {},
      annotations: body.annotations ?? {},
      ...(body.constraints && { constraints: body.constraints }),
      ...(body.limits && { limits: pickResources(body.limits) }),
      ...(body.requests && { requests: pickResources(body.requests) }),
      ...(body.readOnlyRootFilesystem != null && { readOnlyRootFilesystem: body.readOnlyRootFilesystem }),
    };
    await backend.deployFunction(deployment, mode);
    return c.body(null, 202);
  };
}

/** `DELETE /system/functions` `{functionName, namespace?}`: 202 once its replicas are stopping; 404 when unknown. */
export function removeHandler(backend: GatewayBackend) {
  return async (c: Context): Promise<Response> => {
    const body = parse(deleteSchema, await readJson(c), '{functionName, namespace?}');
    assertKnownNamespace(body.namespace ?? undefined);
    await backend.removeFunction(body.functionName);
    return c.body(null, 202);
  };
}

function pickResources(value: { memory?: string | undefined; cpu?: string | undefined }): {
  memory?: string;
  cpu?: string;
} {
  return { ...(value.memory && { memory: value.memory }), ...(value.cpu && { cpu: value.cpu }) };
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body checked against `schema`; a 400 naming the first bad field, or the expected shape when it is no object. */
function parse<T extends z.ZodType>(schema: T, value: unknown, shape: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new GatewayError(400, field ? `${field}: ${issue.message}` : `expected a JSON object ${shape}`);
}

/** `base` as `deployment` redefines it (see specFromDeployment); a 400 naming the request's field when it does not hold. */
export function deployedSpec(base: FunctionSpec, deployment: FunctionDeployment): FunctionSpec {
  try {
    return specFromDeployment(base, deployment);
  } catch (err) {
    throw new GatewayError(400, (err as Error).message);
  }
}
