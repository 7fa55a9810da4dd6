/**
 * Child-process entry of the plain-Temporal baseline worker (started by baseline-process.ts): a bare Temporal
 * worker, in its own process like Baton's orchestrator, polling BENCH_TASK_QUEUE with the baseline's workflows and
 * activity, and Baton's own HTTP pool settings. Prints `ready` once polling; SIGTERM shuts it down.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createFunctionCallPool } from '../../activities/http-pool.ts';
import { encryptedDataConverter } from '../../functions/baton/codec/data-converter.ts';
import { exitWhenParentDies } from '../../template/baton-node/parent-watch.ts';
import { readSecret } from '../../template/baton-node/secrets.ts';
import { SIGNING_KEY_SECRET } from '../../template/baton-node/step-signature.ts';
import { createBaselineActivities } from '../fixtures/baseline/activities.ts';

const address = process.env.TEMPORAL_ADDRESS;
const gatewayUrl = process.env.BENCH_GATEWAY_URL;
const taskQueue = process.env.BENCH_TASK_QUEUE;
if (!address || !gatewayUrl || !taskQueue)
  throw new Error('set TEMPORAL_ADDRESS, BENCH_GATEWAY_URL and BENCH_TASK_QUEUE');

exitWhenParentDies();
const connection = await NativeConnection.connect({ address });
const pool = createFunctionCallPool();
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('../fixtures/baseline/workflows.ts', import.meta.url)),
  // Step functions run only signed calls: the baseline signs as the orchestrator does (from BATON_SECRETS_DIR).
  activities: createBaselineActivities(gatewayUrl, pool, readSecret(SIGNING_KEY_SECRET)),
  // The bench client encrypts payloads with the stack's codec keys (also from BATON_SECRETS_DIR).
  dataConverter: encryptedDataConverter(),
  // The orchestrator's defaults (functions/baton/config.ts), so both workers may run as much at once.
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
console.log('ready');
await running;
await connection.close();
await pool.close();
