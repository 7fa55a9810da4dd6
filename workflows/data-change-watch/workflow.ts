/**
 * A data-change watch: a long-running workflow that probes a data source at an interval (a durable timer) and
 * starts the named pipeline once per new data version. The run's workflow id derives from the watch and the
 * version (version-id.ts) and is started with REJECT_DUPLICATE, so Temporal refuses a second start of the same
 * version whatever happens to the replicas; its state lives in the workflow's history and goes on through
 * continue-as-new. Cancelling the workflow (DELETE /watches/{id}) stops the watch; the runs it started go on.
 */
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  isCancellation,
  makeContinueAsNewFunc,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { runStep } from '../run-step.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import { probeCsv } from '../steps/probe-csv.ts';
import { probePostgres } from '../steps/probe-postgres.ts';
import { probePrefix } from '../steps/probe-prefix.ts';
import type { WatchSource } from './source.ts';
import { WATCH_MEMO_KEY, watchMemo, watchStateQuery, type DataChangeWatchInput, type WatchState } from './state.ts';
import { runIdFor } from './version-id.ts';

/** Polls per workflow run before continuing as new: keeps each history short (about 10 events a poll). */
export const POLLS_PER_RUN = 200;

export async function dataChangeWatch(input: DataChangeWatchInput): Promise<never> {
  const state: WatchState = input.state ? { ...input.state } : { polls: 0, runsStarted: 0 };
  setHandler(watchStateQuery, () => state);
  // A continued run waits first: its predecessor has just polled.
  if (input.state) await sleep(input.intervalMs);
  // Until cancelled (DELETE /watches/{id}): the cancellation ends it as cancelled, its last state in the memo.
  for (let pollsHere = 1; ; pollsHere++) {
    await poll(input, state);
    upsertMemo({ [WATCH_MEMO_KEY]: watchMemo(input, state) });
    if (pollsHere >= (input.pollsPerRun ?? POLLS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      const next = makeContinueAsNewFunc<typeof dataChangeWatch>({
        memo: { [WATCH_MEMO_KEY]: watchMemo(input, state) },
      });
      await next({ ...input, state });
    }
    await sleep(input.intervalMs);
  }
}

/** One poll: the source's version now, and a run when it is new. A failed probe is recorded, not fatal. */
async function poll(input: DataChangeWatchInput, state: WatchState): Promise<void> {
  let version: string;
  try {
    version = await probe(input.source, state.polls + 1);
  } catch (error) {
    if (isCancellation(error)) throw error;
    state.polls += 1;
    state.lastPollAt = new Date().toISOString();
    state.lastError = messageOf(error);
    return;
  }
  state.polls += 1;
  state.lastPollAt = new Date().toISOString();
  delete state.lastError;
  const isNew = state.lastVersion === undefined ? input.runOnFirstVersion : version !== state.lastVersion;
  // The version is recorded only once its run has started: a failed start is tried again at the next poll.
  if (isNew && !(await startRun(input, state, version))) return;
  state.lastVersion = version;
}

/** The source's version, asked of the function that owns it; a new activity id per poll. */
async function probe(source: WatchSource, poll: number): Promise<string> {
  const id = `probe#${poll}`;
  switch (source.kind) {
    case 'csv': {
      const { kind: _kind, ...target } = source;
      return (await runStep(probeCsv, { probe: true, ...target }, { id })).version;
    }
    case 'postgres': {
      const { kind: _kind, ...table } = source;
      return (await runStep(probePostgres, { probe: true, ...table }, { id })).version;
    }
    case 'minio-prefix':
      return (await runStep(probePrefix, { probe: true, prefix: source.prefix }, { id })).version;
  }
}

/**
 * Starts the pipeline's run for `version` (abandoned by the watch: it outlives a continue-as-new or a delete).
 * Temporal refusing the id means that run was started already: counted as started, never started twice.
 */
async function startRun(input: DataChangeWatchInput, state: WatchState, version: string): Promise<boolean> {
  const { pipeline, watchId } = input;
  const workflowId = runIdFor(watchId, version);
  const startedAt = new Date().toISOString();
  try {
    const run = await startChild(pipeline.workflowType, {
      workflowId,
      args: [pipeline.input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      memo: { input: pipeline.input, startedBy: input.createdBy, watch: { watchId, version } },
      typedSearchAttributes: [
        { key: batonSearchAttributes.pipeline, value: pipeline.name },
        { key: batonSearchAttributes.trigger, value: 'data-change' },
      ],
      staticSummary: `${pipeline.name} run of watch ${watchId} for data version ${version}`,
    });
    state.lastRun = { workflowId, runId: run.firstExecutionRunId, version, startedAt };
    state.runsStarted += 1;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      if (isCancellation(error)) throw error;
      state.lastError = `could not start ${pipeline.name} run ${workflowId}: ${messageOf(error)}`;
      return false;
    }
    state.lastRun = { workflowId, version, startedAt };
  }
  return true;
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  const message = error instanceof Error ? error.message : String(error);
  return (cause ? `${message}: ${cause}` : message).slice(0, 500);
}
