/** Test helpers for the gateway's in-process tests: a function spec, a backend without processes, a stand-in replica. */
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { LogStore } from '../log-store.ts';
import type { FunctionSpec } from '../stack-file.ts';
import { clampReplicas } from '../supervisor.ts';
import {
  FUNCTION_NAMESPACE,
  type FunctionDeployment,
  type FunctionView,
  type GatewayBackend,
  type ReplicaTarget,
} from './backend.ts';
import { deployedSpec } from './deployments.ts';
import { GatewayError } from './gateway-error.ts';

/** A function spec as a stack file would give it; `overrides` replace whole fields. */
export function testSpec(name: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    lang: 'echo',
    handler: `/fn/${name}`,
    image: `baton/${name}:test`,
    environment: { exec_timeout: '5s' },
    labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '3' },
    annotations: {},
    maxRequestBytes: 1024 * 1024,
    secrets: ['s3-access-key'],
    limits: {},
    minReplicas: 1,
    maxReplicas: 3,
    timeouts: { execMs: 5_000, readMs: 5_000, writeMs: 5_000 },
    stackFile: '/repo/stack.yml',
    ...overrides,
  };
}

/**
 * A backend without processes: fixed functions, a settable replica target, clamping as the supervisor does, and
 * deploy/remove as the supervisor answers them (recorded in `deployments`; the environment shown is the function's
 * own plus `overrides`).
 */
export class FakeBackend implements GatewayBackend {
  readonly logs = new LogStore();
  /** The wait of every acquireReplica call. */
  readonly waits: number[] = [];
  readonly deployments: { deployment: FunctionDeployment; mode: 'create' | 'update' }[] = [];
  target: ReplicaTarget | undefined;
  private readonly views = new Map<string, FunctionView>();
  private readonly removed = new Map<string, FunctionView>();

  constructor(
    specs: FunctionSpec[],
    private readonly options: { availableReplicas?: number; overrides?: Record<string, string> } = {},
  ) {
    for (const s of specs) this.views.set(s.name, this.view(s, s.minReplicas));
  }
  listFunctions() {
    return [...this.views.values()];
  }
  getFunction(name: string) {
    return this.views.get(name);
  }
  setReplicas(name: string, replicas: number) {
    const view = this.views.get(name)!;
    view.replicas = clampReplicas(view.spec, replicas);
    return view.replicas;
  }
  async acquireReplica(_name: string, waitMs: number) {
    this.waits.push(waitMs);
    return this.target;
  }
  async deployFunction(deployment: FunctionDeployment, mode: 'create' | 'update') {
    const name = deployment.service;
    const current = (mode === 'update' ? this.views : this.removed).get(name);
    if (!current)
      throw new GatewayError(
        mode === 'update' ? 404 : this.views.has(name) ? 409 : 400,
        `function ${name}: cannot ${mode}`,
      );
    this.deployments.push({ deployment, mode });
    const spec = deployedSpec(current.spec, deployment);
    this.removed.delete(name);
    this.views.set(name, this.view(spec, mode === 'update' ? current.replicas : spec.minReplicas));
  }
  async removeFunction(name: string) {
    const view = this.views.get(name);
    if (!view) throw new GatewayError(404, `function ${name} not found in namespace ${FUNCTION_NAMESPACE}`);
    this.views.delete(name);
    this.removed.set(name, view);
  }
  /** What the gateway logged for `name` under instance `gateway` (the async queue's outcomes). */
  gatewayLines(name: string): string[] {
    return this.logs.query({ name, instance: 'gateway' }).map((l) => l.text);
  }
  private view(spec: FunctionSpec, replicas: number): FunctionView {
    const environment = { ...spec.environment, ...this.options.overrides, BATON_FUNCTION: spec.name };
    return {
      spec,
      envProcess: 'node echo.mjs',
      environment,
      replicas,
      availableReplicas: this.options.availableReplicas ?? 0,
      createdAt: new Date(0),
    };
  }
}

/** A stand-in replica on 127.0.0.1 (a free port) answering with `handler`; `close()` drops its connections. */
export async function standInReplica(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Serves `fetch` with @hono/node-server on a free port, lets `send` write raw HTTP/1.1 on one connection, and answers
 * all that came back once it matches `done`; rejects when the server closes the connection first. A raw socket, not
 * undici: undici itself resets a connection whose answer comes before its body is written, and what such a test
 * checks is that the server keeps it.
 */
export async function exchangeOnOneConnection(
  fetch: Parameters<typeof serve>[0]['fetch'],
  send: (write: (data: string | Buffer) => Promise<void>) => Promise<void>,
  done: RegExp,
): Promise<string> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let over = false;
  try {
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('latin1').on('data', (text: string) => {
      received += text;
    });
    const closed = once(socket, 'close');
    await send(async (data) => {
      if (!socket.write(data)) await once(socket, 'drain');
    });
    await Promise.race([
      (async () => {
        while (!over && !done.test(received)) await sleep(10);
      })(),
      closed.then(() => {
        throw new Error(`the server closed the connection after: ${received.slice(0, 200)}`);
      }),
    ]);
    return received;
  } finally {
    over = true;
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The statuses of the HTTP/1.1 answers in `received`, in order. */
export const statusesOf = (received: string): number[] =>
  [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
