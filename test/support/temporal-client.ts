import { Client, Connection } from '@temporalio/client';
import { encryptedDataConverter } from '../../functions/baton/codec/data-converter.ts';
import type { LocalStack } from '../../deploy/local/stack.ts';

/**
 * A Temporal client on a local stack that reads and writes payloads as the orchestrator does: encrypted with the
 * stack's codec keys (its data folder's secret `baton-codec-keys`). Close it with `connection.close()`.
 */
export async function connectTemporal(
  stack: Pick<LocalStack, 'temporalAddress' | 'secrets'>,
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  return { client: new Client({ connection, dataConverter: encryptedDataConverter(stack.secrets.dir) }), connection };
}
