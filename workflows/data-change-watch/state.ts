/**
 * A watch's configuration and the state it carries from poll to poll (and across continue-as-new: in Temporal's
 * history, never in a replica's memory), and the memo view the API lists without asking the workflow.
 */
import { defineQuery } from '@temporalio/workflow';
import type { WatchSource } from './source.ts';

/** Who created the watch (kept as the starter of the runs it starts: the id decides who may cancel them). */
export interface WatchCreator {
  id: string;
  name: string;
}

/** What the watch starts: a pipeline, resolved and its input checked by the API at creation. */
export interface WatchedPipeline {
  name: string;
  workflowType: string;
  input: unknown;
}

/** The run a watch started last. */
export interface StartedRun {
  workflowId: string;
  /** The run's first run id; absent when Temporal had started it already (a replay or a retried start). */
  runId?: string;
  version: string;
  startedAt: string;
}

/** What a watch remembers. */
export interface WatchState {
  /** The data version seen at the last successful poll. */
  lastVersion?: string;
  lastPollAt?: string;
  /** Why the last poll failed (cleared by the next success). */
  lastError?: string;
  lastRun?: StartedRun;
  polls: number;
  runsStarted: number;
}

/** The workflow's argument: set by the API, then carried over (with `state`) by each continue-as-new. */
export interface DataChangeWatchInput {
  watchId: string;
  source: WatchSource;
  pipeline: WatchedPipeline;
  intervalMs: number;
  /** Start a run for the version seen at the first poll too (default: it is the baseline). */
  runOnFirstVersion: boolean;
  createdBy: WatchCreator;
  createdAt: string;
  /** Polls per workflow run before it continues as new (default POLLS_PER_RUN, 200). */
  pollsPerRun?: number;
  state?: WatchState;
}

/** The workflow type of a watch (the runs list leaves its workflows out: they are not runs). */
export const WATCH_WORKFLOW_TYPE = 'dataChangeWatch';

/** The memo key the watch keeps its view in. */
export const WATCH_MEMO_KEY = 'watch';

/** The memo view of a watch: its configuration and state, without the pipeline's input. */
export type WatchMemo = Omit<DataChangeWatchInput, 'pipeline' | 'state'> & {
  pipeline: string;
  state: WatchState;
};

export function watchMemo(input: DataChangeWatchInput, state: WatchState): WatchMemo {
  const { pipeline, state: _carried, ...config } = input;
  return { ...config, pipeline: pipeline.name, state };
}

/** The watch's state now (fresher than the memo, which changes once per poll). */
export const watchStateQuery = defineQuery<WatchState>('watchState');
