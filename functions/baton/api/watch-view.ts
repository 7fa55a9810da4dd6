/**
 * What the watches routes answer: a watch as its workflow keeps it in its memo (configuration and state, upserted
 * at every poll), so listing needs no call to the workflow; and the answers' schemas for the OpenAPI document.
 */
import { z } from 'zod';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { WATCH_MEMO_KEY, WATCH_WORKFLOW_TYPE, type WatchMemo } from '../../../workflows/data-change-watch/state.ts';
import { watchSource } from '../../../workflows/data-change-watch/source.ts';
import { formatDurationMs } from './duration.ts';

export { WATCH_WORKFLOW_TYPE };

/** The workflow id of a watch: `watch:<watchId>` (no run id may hold a ":", so no run can take it). */
export const watchWorkflowId = (watchId: string) => `watch:${watchId}`;

export interface WatchLinks {
  self: string;
  temporalUi?: string;
}

const lastRun = z.object({
  workflowId: z.string(),
  runId: z.string().optional(),
  version: z.string(),
  startedAt: z.string(),
});

/** One watch, in `GET /watches` and `GET /watches/{id}`. */
export const watchViewSchema = z.object({
  watchId: z.string(),
  pipeline: z.string(),
  source: watchSource,
  interval: z.string(),
  runOnFirstVersion: z.boolean(),
  status: z.string().describe('`running`, or how the watch ended (`cancelled` once deleted).'),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
  lastVersion: z.string().optional().describe('The data version the last successful poll saw.'),
  lastPollAt: z.string().optional(),
  lastError: z.string().optional().describe('Why the last poll failed (cleared by the next success).'),
  lastRun: lastRun.optional().describe('The run the watch started last: its workflowId is the run id.'),
  polls: z.number(),
  runsStarted: z.number(),
  links: z.object({ self: z.string(), temporalUi: z.string().optional() }),
});
export type WatchView = z.output<typeof watchViewSchema>;

/** The view of a watch workflow, or undefined when it is not one (or its memo is not a watch's). */
export function watchView(
  execution: Pick<WorkflowExecutionInfo, 'memo' | 'status' | 'type'>,
  links: (watchId: string) => WatchLinks,
): WatchView | undefined {
  const memo = execution.memo?.[WATCH_MEMO_KEY] as WatchMemo | undefined;
  if (execution.type !== WATCH_WORKFLOW_TYPE || typeof memo?.watchId !== 'string' || !memo.state) return undefined;
  const { state } = memo;
  return {
    watchId: memo.watchId,
    pipeline: memo.pipeline,
    source: memo.source,
    interval: formatDurationMs(memo.intervalMs),
    runOnFirstVersion: memo.runOnFirstVersion,
    status: execution.status.name.toLowerCase(),
    createdBy: memo.createdBy,
    createdAt: memo.createdAt,
    ...(state.lastVersion !== undefined ? { lastVersion: state.lastVersion } : {}),
    ...(state.lastPollAt ? { lastPollAt: state.lastPollAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.lastRun ? { lastRun: state.lastRun } : {}),
    polls: state.polls,
    runsStarted: state.runsStarted,
    links: links(memo.watchId),
  };
}

export const watchCreated = z.object({
  watchId: z.string(),
  pipeline: z.string(),
  interval: z.string(),
  links: z.object({ self: z.string(), temporalUi: z.string().optional() }),
});
