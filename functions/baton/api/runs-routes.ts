import { Hono } from 'hono';
import { z } from 'zod';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { progressReport, toErrorIssues } from '#baton-contract';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';
import { SCALER_WORKFLOW_ID } from '../../../scaler/workflow/scaler-api.ts';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { grants } from '../auth/roles.ts';
import { checkedPipelineInput, runStartFields, starterIn, starterOf, type RunStarter } from './pipeline-start.ts';
import { WATCH_WORKFLOW_TYPE } from '../../../workflows/data-change-watch/state.ts';
import { TriggerApiError } from './trigger-api-error.ts';
import { readJsonBody } from './json-body.ts';
import { answers, type RouteDocs } from './route-doc.ts';
import { buildRunView, runStatus, type RunView } from './run-view.ts';
import { codecsOf, decodeDescription, decodeHistory } from '../codec/decode-history.ts';
import { DEFAULT_LIST_LIMIT } from '../defaults.ts';

/** What the runs routes need. */
export interface RunsDeps {
  client: Client;
  taskQueue: string;
  pipelines: ReadonlyMap<string, PipelineDefinition>;
  links(runId: string): RunView['links'];
}

/** Workflow ids of Baton's own workflows: no run may take them, and the runs routes do not act on them. */
const SYSTEM_WORKFLOW_IDS: readonly string[] = [SCALER_WORKFLOW_ID];
/** A run id as a caller may choose it; also the shape of a pipeline name in a query. */
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" and "-" (at most 128)');
const newRunId = runIdSchema.refine(
  (id) => !SYSTEM_WORKFLOW_IDS.includes(id),
  "is reserved for Baton's own workflows: choose another runId",
);
export const triggerBody = z
  .object({
    pipeline: z.string().min(1),
    input: z.unknown().default({}),
    runId: newRunId.optional(),
  })
  .strict();

/** One run in `GET /runs`: what its search attributes say, without reading its history. */
export const runSummary = z.object({
  runId: z.string(),
  pipeline: z.string(),
  status: z.string(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
  step: z.string().optional().describe('The current (or, once closed, the last) step.'),
  datasetVersion: z.string().optional(),
  modelVersion: z.string().optional(),
  accuracy: z.number().optional(),
  stage: z.string().optional(),
  trigger: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummary>;

export const MAX_LIST_LIMIT = 1000;

export const listParams = z.object({
  query: z.string().trim().optional(),
  pipeline: runIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
});

/** `POST /runs`, `GET /runs`, `GET /runs/{id}`, `POST /runs/{id}/cancel`. A run's id is its Temporal workflow id. */
export function runsRoutes(deps: RunsDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  /**
   * `GET /runs?query=<visibility query>&pipeline=<name>&limit=N`: runs matching a Temporal visibility query
   * (`BatonPipeline = 'train-classifier' AND BatonAccuracy > 0.9`), newest first. A query the server refuses
   * answers 400 with the server's own message.
   */
  app.get('/', async (c) => {
    // Exactly what was sent: `pipeline=` or `limit=` with no value is refused, as the document says (only an empty
    // `query` means none).
    const params = listParams.safeParse({
      query: c.req.query('query') || undefined,
      pipeline: c.req.query('pipeline'),
      limit: c.req.query('limit'),
    });
    if (!params.success) throw new TriggerApiError(400, 'invalid run list request', toErrorIssues(params.error));
    const query = listQuery(params.data.query, params.data.pipeline);
    const runs: RunSummary[] = [];
    try {
      for await (const execution of deps.client.workflow.list({ query, pageSize: params.data.limit })) {
        runs.push(summarize(execution, deps.pipelines));
        if (runs.length >= params.data.limit) break;
      }
    } catch (error) {
      const refused = refusedQuery(error);
      if (refused !== undefined) throw new TriggerApiError(400, refused, undefined, { query: query ?? '' });
      throw error;
    }
    // SQL visibility (the dev server's) cannot ORDER BY: it answers open runs first, then by close time. Within
    // the page, order by start time; ties by id so the answer is stable.
    runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.runId.localeCompare(b.runId));
    return c.json({ runs });
  });

  app.post('/', async (c) => {
    const body = triggerBody.safeParse(await readJsonBody(c.req.raw, '{"pipeline": "train-classifier", "input": {}}'));
    if (!body.success) throw new TriggerApiError(400, 'invalid run request', toErrorIssues(body.error));
    const { pipeline, input } = checkedPipelineInput(deps.pipelines, body.data.pipeline, body.data.input);

    const runId = body.data.runId ?? `${pipeline.name}-${crypto.randomUUID().slice(0, 8)}`;
    const existing = await describeOrUndefined(deps.client.workflow.getHandle(runId));
    if (existing) return c.json(await sameRunOrConflict(existing, pipeline, runId), 200);
    try {
      await deps.client.workflow.start(pipeline.workflowType, {
        taskQueue: deps.taskQueue,
        workflowId: runId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...runStartFields(pipeline, input, starterOf(principalOf(c)), 'api'),
        staticSummary: `${pipeline.name} run ${runId}`,
      });
    } catch (error) {
      // Another request with the same runId won the race: answer with that run.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const winner = await deps.client.workflow.getHandle(runId).describe();
      return c.json(await sameRunOrConflict(winner, pipeline, runId), 200);
    }
    return c.json(
      { runId, workflowId: runId, pipeline: pipeline.name, status: 'running', links: deps.links(runId) },
      202,
    );
  });

  app.get('/:runId', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    const description = await describeRun(handle);
    if (!description) throw new TriggerApiError(404, `no run "${runId}"`);
    // History and pending activities come as Temporal stores them: encrypted until the client's codecs decode them.
    const codecs = codecsOf(deps.client);
    const history = await decodeHistory(codecs, await handle.fetchHistory());
    const pipeline = pipelineOf(deps.pipelines, description.type);
    return c.json(
      buildRunView(await decodeDescription(codecs, description), history.events ?? [], pipeline, deps.links(runId)),
    );
  });

  app.post('/:runId/cancel', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    const description = await describeRun(handle);
    if (!description) throw new TriggerApiError(404, `no run "${runId}"`);
    const principal = principalOf(c);
    if (!grants(principal.roles, 'admin') && startedByOf(description)?.id !== principal.id) {
      throw new TriggerApiError(
        403,
        `${principal.name} may cancel only the runs it started; run "${runId}" was started by ${startedByOf(description)?.name ?? 'someone else'} (an admin may cancel any run)`,
      );
    }
    if (description.status.name !== 'RUNNING')
      throw new TriggerApiError(409, `run "${runId}" is already ${runStatus(description)}`);
    await handle.cancel();
    return c.json({ runId, status: 'cancelling', links: deps.links(runId) }, 202);
  });

  async function sameRunOrConflict(
    description: Awaited<ReturnType<WorkflowHandle['describe']>>,
    pipeline: PipelineDefinition,
    runId: string,
  ) {
    if (description.type !== pipeline.workflowType) {
      throw new TriggerApiError(
        409,
        `run "${runId}" already exists for another pipeline (${pipelineOf(deps.pipelines, description.type)?.name ?? description.type}); choose another runId`,
      );
    }
    return {
      runId,
      workflowId: runId,
      pipeline: pipeline.name,
      status: runStatus(description),
      links: deps.links(runId),
    };
  }

  return app;
}

const runLinks = z.object({ self: z.string(), temporalUi: z.string().optional() });
const runAccepted = z.object({
  runId: z.string(),
  workflowId: z.string(),
  pipeline: z.string(),
  status: z.string(),
  links: runLinks,
});
const stepView = z.object({
  name: z.string(),
  function: z.string(),
  status: z.enum([
    'pending',
    'scheduled',
    'running',
    'retrying',
    'completed',
    'failed',
    'timed_out',
    'cancelled',
    'skipped',
  ]),
  attempt: z.number(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
  progress: progressReport.optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
const runView = answers<RunView>()(
  z.object({
    runId: z.string(),
    workflowId: z.string(),
    pipeline: z.string(),
    status: z.string(),
    startedAt: z.string(),
    closedAt: z.string().optional(),
    steps: z.array(stepView),
    result: z.unknown().optional(),
    error: z.object({ message: z.string(), type: z.string().optional() }).optional(),
    input: z.unknown().optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
    links: runLinks,
  }),
);

/**
 * The body of `POST /runs` as the route checks it, in one schema: the envelope (`triggerBody`) with, for each
 * pipeline, its own input schema. Without pipelines, the envelope alone.
 */
export function triggerBodyOf(pipelines: readonly PipelineDefinition[]): z.ZodType {
  const each = pipelines.map((pipeline) =>
    triggerBody.extend({ pipeline: z.literal(pipeline.name), input: pipeline.input.optional() }),
  );
  const [first, second, ...more] = each;
  if (!first) return triggerBody;
  return second ? z.union([first, second, ...more]) : first;
}

/** The runs routes in the OpenAPI document, with the schemas above, for these pipelines. */
export function runsRouteDocs(pipelines: readonly PipelineDefinition[]): RouteDocs {
  return {
    'GET /runs': {
      tag: 'runs',
      summary: 'List runs, newest first',
      description:
        "`query` is a Temporal visibility query over Baton's search attributes (`BatonPipeline = 'train-classifier' AND BatonAccuracy > 0.9`); a query the server refuses answers 400 with the server's own message.",
      query: listParams,
      responses: {
        200: { description: 'The matching runs', schema: z.object({ runs: z.array(runSummary) }) },
        400: 'An invalid parameter or a query the server refuses',
      },
    },
    'POST /runs': {
      tag: 'runs',
      summary: 'Start a run of a pipeline',
      description:
        "`input` is checked against the pipeline's input schema (`GET /pipelines`); every field has a default. A `runId` makes the call idempotent: repeating it answers the same run (200).",
      body: triggerBodyOf(pipelines),
      responses: {
        202: { description: 'The run started', schema: runAccepted },
        200: {
          description: 'A run with this `runId` of the same pipeline exists already: that run',
          schema: runAccepted,
        },
        400: 'An invalid body or pipeline input (`issues` names each field, e.g. `input.split.testSize`)',
        404: 'No such pipeline (`knownPipelines` lists them)',
        409: 'The `runId` is taken by a run of another pipeline',
      },
    },
    'GET /runs/:runId': {
      tag: 'runs',
      summary: 'A run: status, every step, result or error',
      responses: { 200: { description: "The run, from Temporal's history", schema: runView }, 404: 'No such run' },
    },
    'POST /runs/:runId/cancel': {
      tag: 'runs',
      summary: 'Cancel a running run',
      description: 'A `trigger` may cancel the runs it started; an `admin` any run.',
      responses: {
        202: {
          description: 'Cancellation requested',
          schema: z.object({ runId: z.string(), status: z.literal('cancelling'), links: runLinks }),
        },
        404: 'No such run',
        409: 'The run is not running',
      },
    },
  };
}

/** Baton's own workflows (the scaler, the data-change watches) are not runs: the runs list leaves them out. */
const NOT_SYSTEM = `WorkflowId != '${SCALER_WORKFLOW_ID}' AND WorkflowType != '${WATCH_WORKFLOW_TYPE}'`;

/** The visibility query for `query` and the `pipeline` shortcut, without Baton's system workflows. */
export function listQuery(query: string | undefined, pipeline: string | undefined): string {
  // `pipeline` passed the run-id pattern: no quote can break out of the string literal.
  const byPipeline = pipeline ? `${batonSearchAttributes.pipeline.name} = '${pipeline}'` : undefined;
  return [query ? `(${query})` : undefined, byPipeline, NOT_SYSTEM].filter(Boolean).join(' AND ');
}

function summarize(execution: WorkflowExecutionInfo, pipelines: ReadonlyMap<string, PipelineDefinition>): RunSummary {
  const attributes = execution.typedSearchAttributes;
  const keyword = (key: (typeof batonSearchAttributes)[keyof typeof batonSearchAttributes]) => {
    const value = attributes.get(key);
    return typeof value === 'string' ? value : undefined;
  };
  const accuracy = attributes.get(batonSearchAttributes.accuracy);
  const optional = {
    closedAt: execution.closeTime?.toISOString(),
    step: keyword(batonSearchAttributes.step),
    datasetVersion: keyword(batonSearchAttributes.datasetVersion),
    modelVersion: keyword(batonSearchAttributes.modelVersion),
    accuracy: typeof accuracy === 'number' ? accuracy : undefined,
    stage: keyword(batonSearchAttributes.stage),
    trigger: keyword(batonSearchAttributes.trigger),
  };
  return {
    runId: execution.workflowId,
    pipeline: keyword(batonSearchAttributes.pipeline) ?? pipelineOf(pipelines, execution.type)?.name ?? execution.type,
    status: execution.status.name.toLowerCase(),
    startedAt: execution.startTime.toISOString(),
    ...(Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) as Partial<RunSummary>),
  };
}

/** The server's own message when it refused the request (gRPC INVALID_ARGUMENT: a query, a spec), else undefined. */
export function refusedQuery(error: unknown): string | undefined {
  const cause = error instanceof ServiceError ? error.cause : error;
  const INVALID_ARGUMENT = 3; // gRPC status code
  if (isGrpcServiceError(cause) && cause.code === INVALID_ARGUMENT) return cause.details || 'invalid query';
  return undefined;
}

function pipelineOf(
  pipelines: ReadonlyMap<string, PipelineDefinition>,
  workflowType: string,
): PipelineDefinition | undefined {
  return [...pipelines.values()].find((pipeline) => pipeline.workflowType === workflowType);
}

/** The description of a run; undefined when absent or one of Baton's own workflows (not a run). */
async function describeRun(handle: WorkflowHandle) {
  return SYSTEM_WORKFLOW_IDS.includes(handle.workflowId) ? undefined : describeOrUndefined(handle);
}

/** Who started the run, from its memo (runs started before authentication have no starter). */
function startedByOf(description: { memo?: Record<string, unknown> }): RunStarter | undefined {
  return starterIn(description.memo?.startedBy);
}

async function describeOrUndefined(handle: WorkflowHandle) {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
