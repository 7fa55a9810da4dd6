/**
 * The demo `npm start` runs: train-classifier through the HTTP trigger (ingest → validate → train → evaluate →
 * register → promote → report), then a prediction from the `predict` function, which serves whatever version is in
 * production — the one just promoted, or the one already there. predict takes an issued viewer key, not the stack's
 * admin key: the demo makes its own (`demo-predict`), revoking the one of the previous start.
 */
import { ArtifactStore } from '../../template/baton-node/artifacts.ts';
import { stepLine } from '../../cli/format.ts';
import { createKey, listKeys, revokeKey } from '../../cli/api/keys-client.ts';
import { predict, triggerRun, waitForRun, type BatonApi } from '../../cli/api/run-client.ts';
import type { LocalStack } from './stack.ts';

/** How many dataset rows the demo asks `predict` about. */
const SAMPLE_ROWS = 3;
/** The name of the demo's own viewer key for predict. */
export const DEMO_PREDICT_KEY_NAME = 'demo-predict';

/**
 * A fresh viewer key for the demo's predict call, made with the admin key. A key is shown only once, so each start
 * makes a new one and revokes the earlier ones of the same name: one stays active, however often the stack starts.
 */
export async function demoPredictKey(admin: BatonApi): Promise<string> {
  const earlier = (await listKeys(admin)).filter((key) => key.name === DEMO_PREDICT_KEY_NAME && !key.revokedAt);
  const { key } = await createKey(admin, DEMO_PREDICT_KEY_NAME, ['viewer']);
  for (const old of earlier) await revokeKey(admin, old.id);
  return key;
}

/** Runs the demo; true when the run completed and `predict` answered. */
export async function runDemo(stack: LocalStack, say: (line: string) => void): Promise<boolean> {
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input: {} });
  say(`demo: started run ${run.runId} of train-classifier`);
  const started = Date.now();
  const view = await waitForRun(stack, run.runId, { onStep: (step) => say(`  ${stepLine(step, 16)}`) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.links.temporalUi) say(`demo: see it in the Temporal UI: ${run.links.temporalUi}`);
  if (view.status !== 'completed') {
    say(`demo: ${view.status} after ${seconds} s: ${view.error?.message ?? ''}`);
    return false;
  }
  say(`demo: completed in ${seconds} s\n${JSON.stringify(view.result, null, 2)}`);
  const result = view.result as { dataset: { name: string; version: string }; model: { name: string } };
  const sample = await sampleRows(stack, result.dataset);
  const viewer = { gatewayUrl: stack.gatewayUrl, token: await demoPredictKey(stack) };
  const answer = await predict(viewer, { model: result.model.name, instances: sample.instances });
  say(`demo: predict served ${answer.model.name} version ${answer.model.version} (production):`);
  sample.labels.forEach((label, index) =>
    say(`  row ${index + 1}: predicted ${String(answer.predictions[index])}, actual ${label}`),
  );
  say('demo: call it yourself with a viewer key: KEY=$(npx baton keys create --name <you> --roles viewer)');
  say(
    `  curl -s ${stack.gatewayUrl}/function/predict -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"input": {"model": "${result.model.name}", "instances": [${JSON.stringify(sample.instances[0])}]}}'`,
  );
  return true;
}

/** The first rows of the run's dataset version, as feature objects plus their labels. */
async function sampleRows(
  stack: LocalStack,
  dataset: { name: string; version: string },
): Promise<{ instances: Record<string, number>[]; labels: string[] }> {
  const store = new ArtifactStore({
    endpoint: new URL(stack.minioUrl),
    region: 'us-east-1',
    bucket: 'baton-artifacts',
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
  const csv = (await store.getBytes(await store.ref(`datasets/${dataset.name}/${dataset.version}/data.csv`))).toString(
    'utf8',
  );
  const [header, ...lines] = csv.split('\n').filter(Boolean);
  const columns = header!.split(',');
  const target = columns.length - 1; // ingest writes the target last
  const rows = lines.slice(0, SAMPLE_ROWS).map((line) => line.split(','));
  return {
    instances: rows.map((row) => Object.fromEntries(columns.slice(0, target).map((name, i) => [name, Number(row[i])]))),
    labels: rows.map((row) => row[target]!),
  };
}
