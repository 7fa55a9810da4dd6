import type { MiddlewareHandler } from 'hono';
import { FUNCTION_NAMESPACE } from './backend.ts';
import { GatewayError } from './gateway-error.ts';

/**
 * `name[.namespace]` of a `/function/*` or `/async-function/*` path, split at the last dot as the OpenFaaS gateway
 * splits it (faas gateway/pkg/middleware/service_name.go). Function names are DNS labels, so they hold no dot.
 */
export function splitQualifiedName(qualified: string): { name: string; namespace: string } {
  const dot = qualified.lastIndexOf('.');
  if (dot <= 0) return { name: qualified, namespace: FUNCTION_NAMESPACE };
  return { name: qualified.slice(0, dot), namespace: qualified.slice(dot + 1) };
}

/** Throws a 404 naming `namespace` unless it is absent, empty or the one namespace the local stack has. */
export function assertKnownNamespace(namespace: string | undefined): void {
  if (!namespace || namespace === FUNCTION_NAMESPACE) return;
  throw new GatewayError(
    404,
    `namespace "${namespace}" not found: the local gateway runs every function in "${FUNCTION_NAMESPACE}"`,
  );
}

/** `?namespace=` on the system routes, read as Go's `Query().Get` reads it (the first value): only the local one is known. */
export function namespaceQuery(): MiddlewareHandler {
  return async (c, next) => {
    assertKnownNamespace(new URL(c.req.url).searchParams.get('namespace') ?? undefined);
    await next();
  };
}
