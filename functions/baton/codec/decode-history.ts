/**
 * Decoding what Temporal hands back raw. The SDK decodes results and memos through the client's codecs, but an
 * event history (`fetchHistory()`) and a description's pending activities come as stored: with encryption on,
 * their payloads are ciphertext until they pass through the same codecs.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
// The SDK's generated map of every payload field of each service response: complete where a hand-written walk
// would miss one (failure details, markers, updates, headers...).
import {
  visit,
  walkDescribeWorkflowExecutionResponse,
  walkGetWorkflowExecutionHistoryResponse,
} from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { temporal } from '@temporalio/proto';
import { decodePayloads } from './codec-chain.ts';

type History = temporal.api.history.v1.IHistory;

/** The payload codecs a client was created with (none: payloads are stored as the converter made them). */
export function codecsOf(client: Client): readonly PayloadCodec[] {
  return client.options.loadedDataConverter.payloadCodecs;
}

async function decodeInPlace<Root>(
  codecs: readonly PayloadCodec[],
  root: Root,
  walk: Parameters<typeof visit<Root>>[1],
): Promise<void> {
  if (codecs.length === 0) return;
  await visit(root, walk, {
    transformPayload: async (payload) => (await decodePayloads(codecs, [payload]))[0]!,
    transformPayloads: (payloads) => decodePayloads(codecs, payloads),
    // Search attributes are never encoded: Temporal must read them to index runs.
    skipSearchAttributes: true,
  });
}

/** A run's event history with every payload decoded (in place), ready for the default payload converter. */
export async function decodeHistory<H extends History>(codecs: readonly PayloadCodec[], history: H): Promise<H> {
  await decodeInPlace(
    codecs,
    { history } as temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse,
    walkGetWorkflowExecutionHistoryResponse,
  );
  return history;
}

/** `handle.fetchHistory()` of the client's run `workflowId`, decoded with the client's codecs. */
export async function fetchDecodedHistory(client: Client, workflowId: string, runId?: string): Promise<History> {
  return decodeHistory(codecsOf(client), await client.workflow.getHandle(workflowId, runId).fetchHistory());
}

/** A description whose raw part (pending activities' heartbeat details, last failures) is decoded in place. */
export async function decodeDescription(
  codecs: readonly PayloadCodec[],
  description: WorkflowExecutionDescription,
): Promise<WorkflowExecutionDescription> {
  await decodeInPlace(codecs, description.raw, walkDescribeWorkflowExecutionResponse);
  return description;
}
