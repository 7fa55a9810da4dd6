/** The workflows of the data-change watch's tests: the watch, and a pipeline stand-in that only records its input. */
import { sleep } from '@temporalio/workflow';

export { dataChangeWatch } from '../../workflows/data-change-watch/workflow.ts';

/** A pipeline run that ends at once with its input. */
export async function recordingPipeline(input: unknown): Promise<unknown> {
  await sleep(10);
  return input;
}
