/**
 * Data-change watches: `POST /watches`, `GET /watches`, `GET /watches/{id}`, `DELETE /watches/{id}`. A watch is a
 * long-running workflow (workflows/data-change-watch/) that probes a data source at an interval and starts the
 * named pipeline once per new data version, with `BatonTrigger = 'data-change'`, started by the watch's creator.
 *
 * Who may do what (auth/route-access.ts): viewers list and read; a `trigger` creates watches and deletes the ones it
 * created; an `admin` deletes any.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { toErrorIssues } from '#baton-contract';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import { WATCH_MEMO_KEY, watchMemo, type DataChangeWatchInput } from '../../../workflows/data-change-watch/state.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { grants } from '../auth/roles.ts';
import { readJsonBody } from './json-body.ts';
import { pathParams } from './path-params.ts';
import { checkedPipelineInput, starterOf } from './pipeline-start.ts';
import type { RouteDocs } from './route-doc.ts';
import { durationMs } from './duration.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { createWatchBody, watchListParams, watchParams } from './watch-spec.ts';
import {
  WATCH_WORKFLOW_TYPE,
  watchCreated,
  watchView,
  watchViewSchema,
  watchWorkflowId,
  type WatchLinks,
  type WatchView,
} from './watch-view.ts';

/** What the watches routes need. */
export interface WatchesDeps {
  client: Client;
  /** The pipelines' task queue: the watch and the runs it starts go there. */
  taskQueue: string;
  pipelines: ReadonlyMap<string, PipelineDefinition>;
  links(watchId: string): WatchLinks;
  /** The shortest interval accepted (BATON_WATCH_MIN_INTERVAL_SECONDS). */
  minIntervalMs?: number;
}

const CREATE_EXAMPLE =
  '{"pipeline": "train-classifier", "input": {}, "source": {"kind": "csv", "path": "wine.csv"}, "interval": "5m"}';

/** The watches routes, mounted at `/watches`. */
export function watchesRoutes(deps: WatchesDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const createBody = createWatchBody(deps.minIntervalMs);

  app.get('/', async (c) => {
    const params = watchListParams.safeParse({ limit: c.req.query('limit') });
    if (!params.success) throw new TriggerApiError(400, 'invalid watch list request', toErrorIssues(params.error));
    const watches: WatchView[] = [];
    const query = `WorkflowType = '${WATCH_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    for await (const execution of deps.client.workflow.list({ query, pageSize: params.data.limit })) {
      const view = watchView(execution, deps.links);
      if (view) watches.push(view);
      if (watches.length >= params.data.limit) break;
    }
    watches.sort((a, b) => a.watchId.localeCompare(b.watchId));
    return c.json({ watches });
  });

  app.post('/', async (c) => {
    const body = createBody.safeParse(await readJsonBody(c.req.raw, CREATE_EXAMPLE));
    if (!body.success) throw new TriggerApiError(400, 'invalid watch request', toErrorIssues(body.error));
    const request = body.data;
    const { pipeline, input } = checkedPipelineInput(deps.pipelines, request.pipeline, request.input);
    const watchId = request.watchId ?? `${pipeline.name}-${crypto.randomUUID().slice(0, 8)}`;
    const createdBy = starterOf(principalOf(c));
    const watch: DataChangeWatchInput = {
      watchId,
      source: request.source,
      pipeline: { name: pipeline.name, workflowType: pipeline.workflowType, input },
      intervalMs: durationMs(request.interval),
      runOnFirstVersion: request.runOnFirstVersion,
      createdBy,
      createdAt: new Date().toISOString(),
    };
    try {
      await deps.client.workflow.start(WATCH_WORKFLOW_TYPE, {
        workflowId: watchWorkflowId(watchId),
        taskQueue: deps.taskQueue,
        args: [watch],
        // One watch of an id at a time; a deleted watch's id may be used again.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        memo: { [WATCH_MEMO_KEY]: watchMemo(watch, { polls: 0, runsStarted: 0 }) },
        staticSummary: `watch ${watchId}: ${pipeline.name} once per new version of its ${request.source.kind} source`,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        throw new TriggerApiError(409, `watch "${watchId}" exists already: choose another watchId`);
      throw error;
    }
    console.log(`baton: watch ${watchId} of ${pipeline.name} created by ${createdBy.name}`);
    return c.json({ watchId, pipeline: pipeline.name, interval: request.interval, links: deps.links(watchId) }, 201);
  });

  app.get('/:watchId', async (c) => {
    const { watchId } = pathParams(watchParams, c.req.param());
    return c.json(await describe(deps.client.workflow.getHandle(watchWorkflowId(watchId)), watchId));
  });

  app.delete('/:watchId', async (c) => {
    const { watchId } = pathParams(watchParams, c.req.param());
    const handle = deps.client.workflow.getHandle(watchWorkflowId(watchId));
    const view = await describe(handle, watchId);
    if (view.status !== 'running') throw new TriggerApiError(404, `no watch "${watchId}" (it was ${view.status})`);
    mayManage(c, view);
    await handle.cancel();
    console.log(`baton: watch ${watchId} deleted by ${principalOf(c).name}`);
    return c.json({ watchId, deleted: true });
  });

  async function describe(handle: WorkflowHandle, watchId: string): Promise<WatchView> {
    try {
      const view = watchView(await handle.describe(), deps.links);
      if (view) return view;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    throw new TriggerApiError(404, `no watch "${watchId}"`);
  }

  return app;
}

/** An admin may delete any watch; anyone else only the watches it created. */
function mayManage(c: Context<AuthEnv>, view: WatchView): void {
  const principal = principalOf(c);
  if (grants(principal.roles, 'admin') || view.createdBy.id === principal.id) return;
  throw new TriggerApiError(
    403,
    `${principal.name} may delete only the watches it created; watch "${view.watchId}" was created by ${view.createdBy.name} (an admin may delete any watch)`,
  );
}

/** The watches routes in the OpenAPI document. */
export const watchesRouteDocs: RouteDocs = {
  'GET /watches': {
    tag: 'watches',
    summary: 'List the running data-change watches',
    description: 'Temporal lists workflows eventually: a watch created a moment ago may be missing for a second.',
    query: watchListParams,
    responses: {
      200: { description: 'The watches', schema: z.object({ watches: z.array(watchViewSchema) }) },
      400: 'An invalid parameter',
    },
  },
  'POST /watches': {
    tag: 'watches',
    summary: 'Watch a data source and start a pipeline once per new data version',
    description:
      "`source` is a CSV behind fetch-csv (`{kind: 'csv', path}`: its ETag, else Last-Modified, else the body's sha256) or a PostgreSQL table behind ingest-postgres (`{kind: 'postgres', table, highWaterMark?}`: the column's largest value, else a checksum of the table) or a MinIO prefix behind ingest (`{kind: 'minio-prefix', prefix}` under `datasets/` or `runs/`: a sha256 of its objects' sorted keys, ETags and sizes); each is probed by the function that owns it. The first poll's version is the baseline unless `runOnFirstVersion`. Each new version starts one run whose id is `<watchId>-<hash of the version>`, with `BatonTrigger = 'data-change'`, started by the caller. `input` is checked against the pipeline's input schema, as by `POST /runs`.",
    body: createWatchBody(),
    responses: {
      201: { description: 'The watch runs', schema: watchCreated },
      400: 'An invalid body or pipeline input (`issues` names each field, e.g. `interval` or `source.path`)',
      404: 'No such pipeline (`knownPipelines` lists them)',
      409: 'A watch of that `watchId` is running',
    },
  },
  'GET /watches/:watchId': {
    tag: 'watches',
    summary: 'A watch: its source, last seen version, last poll and the last run it started',
    params: watchParams,
    responses: { 200: { description: 'The watch', schema: watchViewSchema }, 404: 'No such watch' },
  },
  'DELETE /watches/:watchId': {
    tag: 'watches',
    summary: 'Delete a watch (its workflow is cancelled)',
    description:
      'Runs it started go on. A `trigger` deletes only the watches it created (else 403); an `admin` any watch.',
    params: watchParams,
    responses: {
      200: { description: 'Deleted', schema: z.object({ watchId: z.string(), deleted: z.literal(true) }) },
      404: 'No such watch',
    },
  },
};
