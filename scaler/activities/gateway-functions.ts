/**
 * The two calls of the OpenFaaS gateway API the scaler needs: `GET /system/functions` (replicas, labels,
 * environment) and `POST /system/scale-function/{name}`. The same requests work against the local gateway and
 * a real OpenFaaS gateway; basic auth comes from the `basic-auth-user` / `basic-auth-password` secrets, as
 * OpenFaaS gives them to functions that declare them.
 */

/** What the scaler reads of a function (a subset of faas-provider's `FunctionStatus`). */
export interface GatewayFunction {
  name: string;
  /** Desired replicas. */
  replicas: number;
  availableReplicas: number;
  labels: Record<string, string>;
  envVars: Record<string, string>;
}

/** Credentials for the gateway's `/system/*` routes. */
export interface GatewayCredentials {
  user: string;
  password: string;
}

/** How to reach the gateway. */
export interface GatewayFunctionsOptions {
  /** e.g. `http://127.0.0.1:8080` (no trailing slash). */
  gatewayUrl: string;
  /** Absent when the gateway has no basic auth. */
  credentials?: GatewayCredentials;
  /** Per request (default 5000). */
  timeoutMs?: number;
}

/** Lists and scales functions through the gateway. */
export interface GatewayFunctions {
  list(): Promise<GatewayFunction[]>;
  /** Asks for `replicas` replicas; the gateway clamps them to the function's labels. */
  scale(name: string, replicas: number): Promise<void>;
}

export function createGatewayFunctions(options: GatewayFunctionsOptions): GatewayFunctions {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.credentials) {
    const { user, password } = options.credentials;
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const url = `${options.gatewayUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw new Error(`gateway ${method} ${path} failed: ${(error as Error).message}`);
    });
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 200).trim();
      const hint =
        response.status === 401
          ? ' (declare the basic-auth-user and basic-auth-password secrets for the orchestrator)'
          : '';
      throw new Error(`gateway ${method} ${path} answered ${response.status}${text ? `: ${text}` : ''}${hint}`);
    }
    return response;
  };
  return {
    async list() {
      const raw = (await (await call('GET', '/system/functions')).json()) as Partial<GatewayFunction>[];
      return raw.map((fn) => ({
        name: String(fn.name),
        replicas: Number(fn.replicas ?? 0),
        availableReplicas: Number(fn.availableReplicas ?? 0),
        labels: fn.labels ?? {},
        envVars: fn.envVars ?? {},
      }));
    },
    async scale(name, replicas) {
      const response = await call('POST', `/system/scale-function/${encodeURIComponent(name)}`, {
        serviceName: name,
        replicas,
      });
      await response.body?.cancel();
    },
  };
}
