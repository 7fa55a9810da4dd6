/**
 * Issue 14 (item 1, and its scenario in item 6) on the real stack: a demo-like breast-cancer model in production under
 * a name, then a run training wine under the same name. The wine model reads other features, so it is registered but
 * not promoted, predict keeps serving the breast-cancer version, and the run's reasons name what differs (not "no
 * other version is in production"). Once an admin's policy allows breaking changes, the same training is promoted and
 * the outcome records that policy version; predict then serves wine and refuses 30 features naming the 13 it expects.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { createKey } from '../../cli/api/keys-client.ts';
import { getModel, setModelPolicy } from '../../cli/api/models-client.ts';
import { startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

const MODEL = 'signature-demo';
const WINE_FEATURES = ['alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium'];

let stack: TestStack;
let viewerKey: string;
before(async () => {
  stack = await startTestStack();
  viewerKey = (await createKey(stack, 'caller', ['viewer'])).key;
});
after(async () => {
  await stopTestStack(stack);
});

interface RunResult {
  model: { version: string };
  promotion: {
    promoted: boolean;
    reasons: string[];
    previousProduction?: string | null;
    policy: { version: number; rules: { allowBreakingSignature: boolean } };
  };
}

async function train(input: Record<string, unknown>): Promise<RunResult> {
  const run = await triggerRun(stack, { pipeline: 'train-classifier', input: { ...input, modelName: MODEL } });
  const view = await waitForRun(stack, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error));
  return view.result as RunResult;
}

/** predict's answer, or its refusal. */
interface PredictBody {
  output: { model: { version: string } };
  error: { message: string };
}

/** predict as people call it: through the gateway, `{input}`, a viewer key. */
async function predict(width: number): Promise<{ status: number; body: PredictBody }> {
  const response = await fetch(`${stack.gatewayUrl}/function/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${viewerKey}` },
    body: JSON.stringify({ input: { model: MODEL, rows: [Array.from({ length: width }, () => 1)] } }),
  });
  return { status: response.status, body: (await response.json()) as PredictBody };
}

test("a wine model does not replace a breast-cancer model in production unless the model's policy allows it", async () => {
  const demo = await train({});
  assert.equal(demo.promotion.promoted, true, demo.promotion.reasons.join('; '));
  assert.ok(demo.promotion.reasons.includes('no other version is in production'), 'true for the first version');
  const served = await predict(30);
  assert.equal(served.status, 200, JSON.stringify(served.body));
  assert.equal(served.body.output.model.version, demo.model.version);

  const wine = await train({ dataset: 'wine' });
  assert.notEqual(wine.model.version, demo.model.version);
  assert.equal(wine.promotion.promoted, false, wine.promotion.reasons.join('; '));
  assert.ok(
    !wine.promotion.reasons.some((reason) => /no other version is in production/.test(reason)),
    `a version is in production: ${wine.promotion.reasons.join('; ')}`,
  );
  const breaking = wine.promotion.reasons.find((reason) => reason.startsWith('the signature breaks'));
  assert.ok(breaking, wine.promotion.reasons.join('; '));
  assert.match(
    breaking,
    new RegExp(
      `^the signature breaks production version ${demo.model.version}'s \\(features removed: mean radius, mean texture, mean perimeter, mean area, mean smoothness \\(\\+25 more\\); added: ${WINE_FEATURES.join(', ')} \\(\\+8 more\\); classes added: 2\\): callers of predict would fail`,
    ),
  );
  assert.ok(
    wine.promotion.reasons.includes(
      `accuracy not compared with production version ${demo.model.version}: it reads other features, and it must beat production`,
    ),
    wine.promotion.reasons.join('; '),
  );
  const still = await predict(30);
  assert.equal(still.status, 200, JSON.stringify(still.body));
  assert.equal(still.body.output.model.version, demo.model.version, 'predict keeps serving the breast-cancer version');

  // Only an admin may allow a breaking change.
  const trigger: { gatewayUrl: string; token: string } = {
    gatewayUrl: stack.gatewayUrl,
    token: (await createKey(stack, 'trainer', ['trigger'])).key,
  };
  await assert.rejects(
    setModelPolicy(trigger, MODEL, { rules: { allowBreakingSignature: true } }),
    (error: ApiError) => error.status === 403,
  );
  const policy = await setModelPolicy(stack, MODEL, {
    rules: { allowBreakingSignature: true },
    reason: 'the demo model becomes a wine model; callers were told',
  });
  assert.deepEqual([policy.version, policy.rules.allowBreakingSignature], [1, true]);

  const allowed = await train({ dataset: 'wine' });
  assert.equal(allowed.promotion.promoted, true, allowed.promotion.reasons.join('; '));
  assert.equal(allowed.promotion.previousProduction, demo.model.version);
  assert.equal(allowed.promotion.policy.version, 1);
  assert.equal(allowed.promotion.policy.rules.allowBreakingSignature, true);
  assert.match(
    allowed.promotion.reasons.at(-1)!,
    /^the signature breaks production version \w{12}'s \(features removed: .*\), allowed by allowBreakingSignature in the model's policy \(version 1\)$/,
  );

  const now = await predict(13);
  assert.equal(now.status, 200, JSON.stringify(now.body));
  assert.equal(now.body.output.model.version, allowed.model.version);
  const refused = await predict(30);
  assert.equal(refused.status, 422);
  assert.match(
    refused.body.error.message,
    new RegExp(
      `The model "${MODEL}" version ${allowed.model.version} expects 13 numbers per row, in this order: ${WINE_FEATURES.join(', ')}, `,
    ),
  );

  const versions = (await getModel(stack, MODEL)).versions;
  const registered = versions.find((version) => version.version === allowed.model.version);
  assert.deepEqual(
    registered?.signature?.inputs.slice(0, 5),
    WINE_FEATURES.map((name) => ({ name, type: 'float64' })),
  );
  assert.deepEqual(registered?.signature?.output, { target: 'target', classes: [0, 1, 2] });
  assert.match(
    (await getModel(stack, MODEL)).production?.reason ?? '',
    /allowed by allowBreakingSignature in the model's policy \(version 1\)/,
  );
});
