/**
 * Temporal's own statistics of a task queue (`DescribeTaskQueue` with `reportStats`): the backlog the scaler
 * scales the orchestrator on. The same numbers KEDA's Temporal scaler reads.
 */
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

const { TaskQueueType, TaskQueueKind } = proto.temporal.api.enums.v1;

/** Which of a task queue's two halves: workflow tasks or activity tasks. */
export type QueueType = 'workflow' | 'activity';

/** One task queue type's statistics. */
export interface QueueStats {
  /** Tasks waiting for a worker (Temporal's approximateBacklogCount). */
  backlog: number;
  /** Age of the oldest waiting task, in seconds. */
  backlogAgeSeconds: number;
  /** Tasks added per second (30 s average). */
  addRate: number;
  /** Tasks dispatched to workers per second (30 s average). */
  dispatchRate: number;
}

/** Reads the statistics of `queue`'s `type` half. */
export async function readQueueStats(
  connection: Pick<Connection, 'workflowService'>,
  namespace: string,
  queue: string,
  type: QueueType,
): Promise<QueueStats> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType:
      type === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  const stats = response.stats;
  const age = stats?.approximateBacklogAge;
  return {
    backlog: Number(stats?.approximateBacklogCount ?? 0),
    backlogAgeSeconds: round(Number(age?.seconds ?? 0) + (age?.nanos ?? 0) / 1e9),
    addRate: round(stats?.tasksAddRate ?? 0),
    dispatchRate: round(stats?.tasksDispatchRate ?? 0),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
