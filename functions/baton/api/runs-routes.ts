import { Hono } from 'hono';
import { z } from 'zod';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { toErrorIssues } from '#baton-contract';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import { HttpError } from './http-error.ts';
import { buildRunView, runStatus, type RunView } from './run-view.ts';

/** What the runs routes need. */
export interface RunsDeps {
  client: Client;
  taskQueue: string;
  pipelines: ReadonlyMap<string, PipelineDefinition>;
  links(runId: string): RunView['links'];
}

const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" and "-" (at most 128)');
const triggerBody = z.object({
  pipeline: z.string().min(1),
  input: z.unknown().default({}),
  runId: runIdSchema.optional(),
}).strict();

/** `POST /runs`, `GET /runs/{id}`, `POST /runs/{id}/cancel`. A run's id is its Temporal workflow id. */
export function runsRoutes(deps: RunsDeps): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    const body = triggerBody.safeParse(await readJson(c.req.raw));
    if (!body.success) throw new HttpError(400, 'invalid run request', toErrorIssues(body.error));
    const pipeline = deps.pipelines.get(body.data.pipeline);
    if (!pipeline) {
      const known = [...deps.pipelines.keys()];
      throw new HttpError(404, `unknown pipeline "${body.data.pipeline}"; known pipelines: ${known.join(', ')}`, undefined, { knownPipelines: known });
    }
    const input = pipeline.input.safeParse(body.data.input);
    if (!input.success) throw new HttpError(400, `invalid input for pipeline "${pipeline.name}"`, toErrorIssues(input.error, 'input'));

    const runId = body.data.runId ?? `${pipeline.name}-${crypto.randomUUID().slice(0, 8)}`;
    const existing = await describeOrUndefined(deps.client.workflow.getHandle(runId));
    if (existing) return c.json(await sameRunOrConflict(existing, pipeline, runId), 200);
    try {
      await deps.client.workflow.start(pipeline.workflowType, {
        taskQueue: deps.taskQueue,
        workflowId: runId,
        args: [input.data],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: batonSearchAttributes.pipeline, value: pipeline.name },
          { key: batonSearchAttributes.trigger, value: 'api' },
        ],
        memo: { input: input.data },
        staticSummary: `${pipeline.name} run ${runId}`,
      });
    } catch (error) {
      // Another request with the same runId won the race: answer with that run.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const winner = await deps.client.workflow.getHandle(runId).describe();
      return c.json(await sameRunOrConflict(winner, pipeline, runId), 200);
    }
    return c.json({ runId, workflowId: runId, pipeline: pipeline.name, status: 'running', links: deps.links(runId) }, 202);
  });

  app.get('/:runId', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    const description = await describeOrUndefined(handle);
    if (!description) throw new HttpError(404, `no run "${runId}"`);
    const history = await handle.fetchHistory();
    const pipeline = pipelineOf(deps.pipelines, description.type);
    return c.json(buildRunView(description, history.events ?? [], pipeline, deps.links(runId)));
  });

  app.post('/:runId/cancel', async (c) => {
    const runId = c.req.param('runId');
    const handle = deps.client.workflow.getHandle(runId);
    const description = await describeOrUndefined(handle);
    if (!description) throw new HttpError(404, `no run "${runId}"`);
    if (description.status.name !== 'RUNNING') throw new HttpError(409, `run "${runId}" is already ${runStatus(description)}`);
    await handle.cancel();
    return c.json({ runId, status: 'cancelling', links: deps.links(runId) }, 202);
  });

  async function sameRunOrConflict(description: Awaited<ReturnType<WorkflowHandle['describe']>>, pipeline: PipelineDefinition, runId: string) {
    if (description.type !== pipeline.workflowType) {
      throw new HttpError(409, `run "${runId}" already exists for another pipeline (${pipelineOf(deps.pipelines, description.type)?.name ?? description.type}); choose another runId`);
    }
    return { runId, workflowId: runId, pipeline: pipeline.name, status: runStatus(description), links: deps.links(runId) };
  }

  return app;
}

function pipelineOf(pipelines: ReadonlyMap<string, PipelineDefinition>, workflowType: string): PipelineDefinition | undefined {
  return [...pipelines.values()].find((pipeline) => pipeline.workflowType === workflowType);
}

async function describeOrUndefined(handle: WorkflowHandle) {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) throw new HttpError(400, 'request body is empty: send JSON like {"pipeline": "train-classifier", "input": {}}');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON', [{ path: '(root)', message: 'invalid JSON' }]);
  }
}
