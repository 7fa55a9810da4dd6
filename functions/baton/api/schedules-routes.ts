/**
 * Pipelines on a schedule, as Temporal Schedules (they show on the Temporal UI's Schedules page):
 * `POST /schedules`, `GET /schedules`, `GET /schedules/{id}`, `DELETE /schedules/{id}`,
 * `POST /schedules/{id}/pause`, `/unpause` and `/trigger`. Each run a schedule starts is a run like one of
 * `POST /runs` (same input check, memo and search attributes) with `BatonTrigger = 'schedule'`, started by the
 * schedule's creator; its id is `<scheduleId>-<scheduled time>`.
 *
 * Who may do what (auth/route-access.ts): viewers list and read; a `trigger` creates schedules and manages (pause,
 * unpause, trigger, delete) the ones it created, as it cancels only the runs it started; an `admin` manages any.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleHandle } from '@temporalio/client';
import { toErrorIssues } from '#baton-contract';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';
import { principalOf, type AuthEnv } from '../auth/route-access.ts';
import { grants } from '../auth/roles.ts';
import { durationMs } from './duration.ts';
import { readJsonBody } from './json-body.ts';
import { pathParams } from './path-params.ts';
import { checkedPipelineInput, runStartFields, starterOf } from './pipeline-start.ts';
import type { RouteDocs } from './route-doc.ts';
import { refusedQuery } from './runs-routes.ts';
import {
  createScheduleBody,
  noteBody,
  scheduleListParams,
  scheduleParams,
  temporalOverlap,
  temporalSpec,
  triggerScheduleBody,
} from './schedule-spec.ts';
import {
  scheduleCreated,
  scheduleMemoOf,
  scheduleSummaryView,
  scheduleView,
  scheduleViewSchema,
  summaryView,
  type ScheduleLinks,
  type ScheduleMemo,
  type ScheduleSummaryView,
} from './schedule-view.ts';
import { TriggerApiError } from './trigger-api-error.ts';

/** What the schedules routes need. */
export interface SchedulesDeps {
  client: Client;
  /** The pipelines' task queue: where the schedule's runs start. */
  taskQueue: string;
  pipelines: ReadonlyMap<string, PipelineDefinition>;
  links(scheduleId: string): ScheduleLinks;
}

const CREATE_EXAMPLE = '{"pipeline": "train-classifier", "input": {}, "spec": {"cron": ["0 3 * * *"]}}';

/** The schedules routes, mounted at `/schedules`. */
export function schedulesRoutes(deps: SchedulesDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', async (c) => {
    const params = scheduleListParams.safeParse({ pipeline: c.req.query('pipeline'), limit: c.req.query('limit') });
    if (!params.success) throw new TriggerApiError(400, 'invalid schedule list request', toErrorIssues(params.error));
    // `pipeline` passed the run-id pattern: no quote can break out of the string literal.
    const query = params.data.pipeline
      ? `${batonSearchAttributes.pipeline.name} = '${params.data.pipeline}'`
      : undefined;
    const schedules: ScheduleSummaryView[] = [];
    for await (const schedule of deps.client.schedule.list({ pageSize: params.data.limit, query })) {
      schedules.push(summaryView(schedule, deps.pipelines));
      if (schedules.length >= params.data.limit) break;
    }
    schedules.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
    return c.json({ schedules });
  });

  app.post('/', async (c) => {
    const body = createScheduleBody.safeParse(await readJsonBody(c.req.raw, CREATE_EXAMPLE));
    if (!body.success) throw new TriggerApiError(400, 'invalid schedule request', toErrorIssues(body.error));
    const request = body.data;
    const { pipeline, input } = checkedPipelineInput(deps.pipelines, request.pipeline, request.input);
    const scheduleId = request.scheduleId ?? `${pipeline.name}-${crypto.randomUUID().slice(0, 8)}`;
    const createdBy = starterOf(principalOf(c));
    const memo: ScheduleMemo = { pipeline: pipeline.name, createdBy, spec: request.spec };
    try {
      await deps.client.schedule.create({
        scheduleId,
        spec: temporalSpec(request.spec),
        action: {
          type: 'startWorkflow',
          workflowType: pipeline.workflowType,
          taskQueue: deps.taskQueue,
          // Temporal appends each run's scheduled time: `<scheduleId>-2026-01-01T03:00:00Z`.
          workflowId: scheduleId,
          args: [input],
          ...runStartFields(pipeline, input, createdBy, 'schedule'),
          staticSummary: `${pipeline.name} run of schedule ${scheduleId}`,
        },
        policies: {
          overlap: temporalOverlap(request.policy.overlap),
          pauseOnFailure: request.policy.pauseOnFailure,
          ...(request.policy.catchupWindow ? { catchupWindow: durationMs(request.policy.catchupWindow) } : {}),
        },
        state: { paused: request.paused, ...(request.note ? { note: request.note } : {}) },
        memo: { ...memo },
        typedSearchAttributes: [{ key: batonSearchAttributes.pipeline, value: pipeline.name }],
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning)
        throw new TriggerApiError(409, `schedule "${scheduleId}" exists already: choose another scheduleId`);
      // The server checks what a pattern cannot (a cron field out of range): its message, on the spec.
      if (error instanceof TypeError) throw specRefused(error.message);
      const refused = refusedQuery(error);
      if (refused !== undefined) throw specRefused(refused);
      throw error;
    }
    console.log(`baton: schedule ${scheduleId} of ${pipeline.name} created by ${createdBy.name}`);
    return c.json({ scheduleId, pipeline: pipeline.name, paused: request.paused, links: deps.links(scheduleId) }, 201);
  });

  app.get('/:scheduleId', async (c) => {
    const { scheduleId } = pathParams(scheduleParams, c.req.param());
    const description = await describe(deps.client.schedule.getHandle(scheduleId));
    return c.json(scheduleView(description, deps.pipelines, deps.links(scheduleId)));
  });

  app.delete('/:scheduleId', async (c) => {
    const handle = await managed(c);
    await notFoundAs404(handle, handle.delete());
    console.log(`baton: schedule ${handle.scheduleId} deleted by ${principalOf(c).name}`);
    return c.json({ scheduleId: handle.scheduleId, deleted: true });
  });

  for (const change of ['pause', 'unpause'] as const) {
    app.post(`/:scheduleId/${change}`, async (c) => {
      const body = await optionalBody(c, noteBody, '{"note": "why"}');
      const handle = await managed(c);
      const note = body.note ?? `${change}d by ${principalOf(c).name}`;
      await notFoundAs404(handle, change === 'pause' ? handle.pause(note) : handle.unpause(note));
      return c.json({ scheduleId: handle.scheduleId, paused: change === 'pause', note });
    });
  }

  app.post('/:scheduleId/trigger', async (c) => {
    const body = await optionalBody(c, triggerScheduleBody, '{"overlap": "allow-all"}');
    const handle = await managed(c);
    await notFoundAs404(handle, handle.trigger(temporalOverlap(body.overlap)));
    return c.json(
      {
        scheduleId: handle.scheduleId,
        overlap: body.overlap,
        status: 'triggered',
        links: deps.links(handle.scheduleId),
      },
      202,
    );
  });

  /**
   * The handle of the schedule the request names, once the caller may manage it: an admin any, anyone else only
   * the schedules it created.
   */
  async function managed(c: Context<AuthEnv>): Promise<ScheduleHandle> {
    const { scheduleId } = pathParams(scheduleParams, c.req.param());
    const handle = deps.client.schedule.getHandle(scheduleId);
    const createdBy = scheduleMemoOf((await describe(handle)).memo).createdBy;
    const principal = principalOf(c);
    if (!grants(principal.roles, 'admin') && createdBy?.id !== principal.id) {
      throw new TriggerApiError(
        403,
        `${principal.name} may manage only the schedules it created; schedule "${scheduleId}" was created by ${createdBy?.name ?? 'someone else'} (an admin may manage any schedule)`,
      );
    }
    return handle;
  }

  return app;
}

async function describe(handle: ScheduleHandle) {
  return notFoundAs404(handle, handle.describe());
}

/** A schedule deleted or never made is a 404 naming it. */
async function notFoundAs404<T>(handle: ScheduleHandle, action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new TriggerApiError(404, `no schedule "${handle.scheduleId}"`);
    throw error;
  }
}

/** A body that may be left out (`{}` then); when given it must be valid JSON the schema accepts. */
async function optionalBody<S extends z.ZodType>(
  c: Context<AuthEnv>,
  schema: S,
  example: string,
): Promise<z.output<S>> {
  const text = await c.req.raw.clone().text();
  const parsed = schema.safeParse(text.trim() ? await readJsonBody(c.req.raw, example) : {});
  if (!parsed.success) throw new TriggerApiError(400, 'invalid request body', toErrorIssues(parsed.error));
  return parsed.data;
}

function specRefused(message: string): TriggerApiError {
  return new TriggerApiError(400, `Temporal refused the schedule: ${message}`, [{ path: 'spec', message }]);
}

const scheduleChanged = z.object({ scheduleId: z.string(), paused: z.boolean(), note: z.string() });
const ownership = 'A `trigger` manages only the schedules it created; an `admin` any schedule.';

/** The schedules routes in the OpenAPI document. */
export const schedulesRouteDocs: RouteDocs = {
  'GET /schedules': {
    tag: 'schedules',
    summary: 'List schedules',
    description: 'Temporal lists schedules eventually: one created a moment ago may be missing for a second.',
    query: scheduleListParams,
    responses: {
      200: { description: 'The schedules', schema: z.object({ schedules: z.array(scheduleSummaryView) }) },
      400: 'An invalid parameter',
    },
  },
  'POST /schedules': {
    tag: 'schedules',
    summary: 'Put a pipeline on a schedule (a Temporal Schedule)',
    description:
      "`input` is checked against the pipeline's input schema, as by `POST /runs`. `spec` takes cron expressions and/or intervals (at least one), a time zone, jitter, a start and an end; `policy.overlap` says what happens when a run is still going at the next time. Each run carries `BatonTrigger = 'schedule'` and is started by the caller.",
    body: createScheduleBody,
    responses: {
      201: { description: 'The schedule exists', schema: scheduleCreated },
      400: 'An invalid body or pipeline input (`issues` names each field, e.g. `spec.intervals.0.every`)',
      404: 'No such pipeline (`knownPipelines` lists them)',
      409: 'The `scheduleId` is taken',
    },
  },
  'GET /schedules/:scheduleId': {
    tag: 'schedules',
    summary: 'A schedule: spec, policy, state, recent runs and next times',
    params: scheduleParams,
    responses: { 200: { description: 'The schedule', schema: scheduleViewSchema }, 404: 'No such schedule' },
  },
  'DELETE /schedules/:scheduleId': {
    tag: 'schedules',
    summary: 'Delete a schedule',
    description: `Runs it started go on. ${ownership}`,
    params: scheduleParams,
    responses: {
      200: {
        description: 'Deleted',
        schema: z.object({ scheduleId: z.string(), deleted: z.literal(true) }),
      },
      404: 'No such schedule',
    },
  },
  'POST /schedules/:scheduleId/pause': {
    tag: 'schedules',
    summary: 'Pause a schedule, with a note saying why',
    description: ownership,
    params: scheduleParams,
    body: noteBody,
    bodyOptional: true,
    responses: {
      200: { description: 'Paused', schema: scheduleChanged },
      400: 'An invalid body',
      404: 'No such schedule',
    },
  },
  'POST /schedules/:scheduleId/unpause': {
    tag: 'schedules',
    summary: 'Unpause a schedule, with a note',
    description: ownership,
    params: scheduleParams,
    body: noteBody,
    bodyOptional: true,
    responses: {
      200: { description: 'Unpaused', schema: scheduleChanged },
      400: 'An invalid body',
      404: 'No such schedule',
    },
  },
  'POST /schedules/:scheduleId/trigger': {
    tag: 'schedules',
    summary: 'Start a run of the schedule now',
    description: `\`overlap\` (default \`allow-all\`: it starts even while another run goes on) applies to this run only. Also while paused. ${ownership}`,
    params: scheduleParams,
    body: triggerScheduleBody,
    bodyOptional: true,
    responses: {
      202: {
        description: 'Triggered: the run shows in the schedule within a second',
        schema: z.object({
          scheduleId: z.string(),
          overlap: z.string(),
          status: z.literal('triggered'),
          links: z.object({ self: z.string(), temporalUi: z.string().optional() }),
        }),
      },
      400: 'An invalid body',
      404: 'No such schedule',
    },
  },
};
