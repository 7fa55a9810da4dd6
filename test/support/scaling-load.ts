/**
 * Drives and watches the lean scaling stack (test/support/scaling-stack.ts): starts many short runs, samples the
 * gateway's replicas, waits for the runs to complete and counts their marker artifacts. Shared by
 * test/integration/scaling.test.ts and bench/scaling.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { Client as MinioClient } from 'minio';
import { batonSearchAttributes } from '../../workflows/search-attributes.ts';
import type { LocalStack } from '../../deploy/local/stack.ts';

/** The pipelines' task queue (BATON_TASK_QUEUE in deploy/env/temporal.yml). */
const TASK_QUEUE = 'baton-pipelines';

/** One sample of GET /system/functions. */
export interface ReplicaSample {
  at: number;
  replicas: Record<string, number>;
  available: Record<string, number>;
}

/** GET /system/functions with the stack's basic-auth credentials. */
export async function systemFunctions(
  stack: LocalStack,
): Promise<{ name: string; replicas: number; availableReplicas: number }[]> {
  const auth = Buffer.from(`${stack.secrets.gatewayUser}:${stack.secrets.gatewayPassword}`).toString('base64');
  const response = await fetch(`${stack.gatewayUrl}/system/functions`, { headers: { authorization: `Basic ${auth}` } });
  if (!response.ok) throw new Error(`GET /system/functions answered ${response.status}`);
  return (await response.json()) as { name: string; replicas: number; availableReplicas: number }[];
}

/** Samples the replicas of every function every `everyMs` until stopped. */
export function watchReplicas(
  stack: LocalStack,
  everyMs = 250,
): { samples: ReplicaSample[]; stop(): Promise<ReplicaSample[]> } {
  const samples: ReplicaSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const functions = await systemFunctions(stack).catch(() => undefined);
      if (functions) {
        samples.push({
          at: Date.now(),
          replicas: Object.fromEntries(functions.map((fn) => [fn.name, fn.replicas])),
          available: Object.fromEntries(functions.map((fn) => [fn.name, fn.availableReplicas])),
        });
      }
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** The highest replicas `fn` had in `samples`. */
export function peakReplicas(samples: readonly ReplicaSample[], fn: string): number {
  return Math.max(0, ...samples.map((s) => s.replicas[fn] ?? 0));
}

/**
 * Starts `count` runs of the scaling pipeline tagged `tag` (BatonTrigger), `concurrency` start requests at a
 * time; returns their workflow ids.
 */
export async function startRuns(
  client: Client,
  tag: string,
  count: number,
  stepMs: number,
  concurrency = 20,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < ids.length; i += concurrency) {
    await Promise.all(
      ids.slice(i, i + concurrency).map((workflowId) =>
        client.workflow.start('scalingWork', {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [{ ms: stepMs }],
          typedSearchAttributes: [
            { key: batonSearchAttributes.pipeline, value: 'scaling-work' },
            { key: batonSearchAttributes.trigger, value: tag },
          ],
        }),
      ),
    );
  }
  return ids;
}

/** Runs tagged `tag` by status, from visibility. */
export async function countRuns(
  client: Client,
  tag: string,
  status: 'Running' | 'Completed' | 'Failed' | 'TimedOut' | 'Terminated' | 'Canceled',
): Promise<number> {
  return (await client.workflow.count(`BatonTrigger = '${tag}' AND ExecutionStatus = '${status}'`)).count;
}

/**
 * Waits until every run of `ids` is closed and returns the time the last one closed (ms). Reads each run's
 * own description, so it does not depend on visibility lag.
 */
export async function waitForRuns(
  client: Client,
  ids: readonly string[],
  timeoutMs: number,
): Promise<{ statuses: Record<string, number>; lastCloseAt: number }> {
  const deadline = Date.now() + timeoutMs;
  const open = new Set(ids);
  const statuses: Record<string, number> = {};
  let lastCloseAt = 0;
  while (open.size > 0) {
    if (Date.now() > deadline)
      throw new Error(
        `${open.size} of ${ids.length} runs still open after ${timeoutMs} ms, e.g. ${[...open].slice(0, 3).join(', ')}`,
      );
    for (const id of [...open]) {
      const description = await client.workflow.getHandle(id).describe();
      if (description.status.name === 'RUNNING') continue;
      open.delete(id);
      statuses[description.status.name] = (statuses[description.status.name] ?? 0) + 1;
      lastCloseAt = Math.max(lastCloseAt, description.closeTime?.getTime() ?? Date.now());
    }
    if (open.size > 0) await sleep(500);
  }
  return { statuses, lastCloseAt };
}

/** The marker artifacts the runs of `tag` wrote: `runs/<workflowId>/scaling-work/done.json`. */
export async function markerKeys(stack: LocalStack, tag: string): Promise<string[]> {
  const minio = new MinioClient({
    endPoint: '127.0.0.1',
    port: Number(new URL(stack.minioUrl).port),
    useSSL: false,
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
  const names: string[] = [];
  for await (const item of minio.listObjectsV2('baton-artifacts', `runs/${tag}-`, true))
    if (item.name) names.push(item.name);
  return names.sort();
}

/** Waits until `check` holds for the replicas GET /system/functions reports; throws with the last ones seen. */
export async function waitForReplicas(
  stack: LocalStack,
  check: (replicas: Record<string, number>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  let last: Record<string, number> = {};
  while (Date.now() - started < timeoutMs) {
    last = Object.fromEntries((await systemFunctions(stack)).map((fn) => [fn.name, fn.replicas]));
    if (check(last)) return Date.now() - started;
    await sleep(250);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; replicas now ${JSON.stringify(last)}`);
}
