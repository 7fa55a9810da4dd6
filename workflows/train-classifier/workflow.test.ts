import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FailureType } from '#baton-contract';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { approvePromotionUpdate, promotionStatusQuery } from '../promotion/approval.ts';
import { batonSearchAttributes } from '../search-attributes.ts';
import type { InvokeFunctionRequest, ModelPolicyReading } from '../../activities/index.ts';
import { promotionPolicy, type PromotionPolicyInput } from '../promotion/policy.ts';
import { trainClassifierInput } from './input.ts';
import { fakeStepOutputs, trainedModel } from '../../test/support/fake-step-outputs.ts';
import { signatureOf } from '../promotion/signature.ts';
import { assertPlannedStepsRan } from '../../test/support/declared-steps.ts';
import { startWorkflowTestServer, type WorkflowTestServer } from '../../test/support/workflow-test-server.ts';
import { pipelines } from '../catalog.ts';

let server: WorkflowTestServer;
before(async () => {
  server = await startWorkflowTestServer();
});
after(async () => {
  await server?.stop();
});

async function runWith(
  invokeFunction: (call: InvokeFunctionRequest) => Promise<unknown>,
  input: unknown = {},
  options: {
    workflowType?: string;
    whileRunning?: (handle: WorkflowHandle) => Promise<void>;
    /** What the registry holds as the model's policy (default: none, so the default policy, version 0). */
    readModelPolicy?: (request: { modelName: string }) => Promise<ModelPolicyReading>;
    memo?: Record<string, unknown>;
  } = {},
) {
  const workflowType = options.workflowType ?? 'trainClassifier';
  const pipeline = pipelines.find((candidate) => candidate.workflowType === workflowType);
  assert.ok(pipeline, `no pipeline runs workflow type ${workflowType}`);
  return { ...(await server.run(pipeline, input, invokeFunction, options)), pipeline };
}

/**
 * The fake outputs, with evaluate's comparison against production as given: scored (with the candidate's
 * signature), or in production with `inProduction` as given and not scored.
 */
const withProduction =
  (production: { version: string; metrics: object } | null, inProduction?: object) =>
  async (call: InvokeFunctionRequest) => ({
    output:
      call.step === 'evaluate'
        ? {
            ...(fakeStepOutputs.evaluate as object),
            production,
            inProduction:
              inProduction ?? (production && { version: production.version, signature: signatureOf(trainedModel) }),
          }
        : fakeStepOutputs[call.step],
  });

test('train-classifier calls its steps in order and passes artifacts by reference', async () => {
  const calls: InvokeFunctionRequest[] = [];
  const { result, description, pipeline, stepCalls } = await runWith(async (call) => {
    calls.push(call);
    return { output: fakeStepOutputs[call.step] };
  });
  assert.deepEqual(
    calls.map((call) => call.function),
    ['ingest', 'validate-dataset', 'train', 'evaluate', 'register-model', 'promote-model', 'report'],
  );
  assertPlannedStepsRan(pipeline, stepCalls);
  assert.deepEqual(
    (calls[3]!.input as { compareWith: unknown }).compareWith,
    { modelName: 'classifier' },
    'evaluate compares with production',
  );
  assert.ok(calls.every((call) => call.pipeline === 'train-classifier'));
  const trainInput = calls[2]!.input as { dataset: unknown; model: { type: string } };
  assert.deepEqual(trainInput.dataset, (fakeStepOutputs.ingest as { dataset: unknown }).dataset);
  assert.equal(trainInput.model.type, 'logistic_regression', 'defaults apply to an empty input');
  assert.deepEqual(result, {
    dataset: { name: 'breast_cancer', version: 'aaaaaaaaaaaa' },
    model: {
      name: 'classifier',
      version: 'cccccccccccc',
      uri: 's3://baton-artifacts/models/classifier/cccccccccccc/model.skops',
    },
    metrics: { accuracy: 0.97, f1: 0.96, precision: 0.97, recall: 0.96, holdoutRows: 114 },
    validation: {
      status: 'passed',
      issues: 0,
      report: 's3://baton-artifacts/runs/w/validate-dataset/validation-report.json',
    },
    promotion: {
      promoted: true,
      modelName: 'classifier',
      version: 'cccccccccccc',
      previousProduction: null,
      reasons: ['accuracy 0.9700 reaches the minimum 0.8000', 'no other version is in production'],
      policy: {
        version: 0,
        rules: {
          enabled: true,
          criteria: [{ metric: 'accuracy', minimum: 0.8, mustBeatProduction: true }],
          allowBreakingSignature: false,
          approval: { required: false, timeout: '1h', approverMustNotBeStarter: false },
        },
      },
    },
  });
  assert.deepEqual((description.memo as { promotion?: unknown }).promotion, {
    promoted: true,
    version: 'cccccccccccc',
    reasons: ['accuracy 0.9700 reaches the minimum 0.8000', 'no other version is in production'],
    policyVersion: 0,
  });
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.step), 'report');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.accuracy), 0.97, 'findable by accuracy');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.datasetVersion), 'aaaaaaaaaaaa');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.modelVersion), 'cccccccccccc');
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.stage), 'production');
  assert.deepEqual((description.memo as { metrics?: unknown }).metrics, {
    accuracy: 0.97,
    f1: 0.96,
    precision: 0.97,
    recall: 0.96,
    holdoutRows: 114,
  });
});

test("a step that fails for good fails the run with the function's message", async () => {
  const { error } = await runWith(async (call) => {
    if (call.step === 'train')
      throw ApplicationFailure.nonRetryable(
        'function "train" rejected its input (422): bad C',
        FailureType.FunctionRejectedInput,
      );
    return { output: fakeStepOutputs[call.step] };
  });
  assert.ok(error instanceof WorkflowFailedError);
  assert.match(
    String(((error.cause as Error).cause as Error | undefined)?.message),
    /rejected its input \(422\): bad C/,
  );
});

test('a version that does not beat production is registered but not promoted', async () => {
  const calls: string[] = [];
  const fake = withProduction({
    version: 'bbbbbbbbbbbb',
    metrics: { accuracy: 0.98, f1: 0.97, precision: 0.98, recall: 0.97, holdoutRows: 114 },
  });
  const { result, description } = await runWith(async (call) => {
    calls.push(call.step);
    return fake(call);
  });
  assert.ok(!calls.includes('promote-model'));
  const promotion = (result as { promotion: { promoted: boolean; reasons: string[] } }).promotion;
  assert.equal(promotion.promoted, false);
  assert.match(promotion.reasons[1]!, /accuracy 0\.9700 does not beat production version bbbbbbbbbbbb \(0\.9800\)/);
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.stage), 'staging');
});

test('a failed validation ends the run before training', async () => {
  const calls: string[] = [];
  const { error } = await runWith(async (call) => {
    calls.push(call.step);
    if (call.step === 'validate-dataset')
      throw ApplicationFailure.nonRetryable('column "x": 3% of values are outliers', FailureType.FunctionRejectedInput);
    return { output: fakeStepOutputs[call.step] };
  });
  assert.ok(error instanceof WorkflowFailedError);
  assert.deepEqual(calls, ['ingest', 'validate-dataset']);
});

test('with approval required, no decision before the deadline means no promotion', async () => {
  const calls: string[] = [];
  const { result } = await runWith(
    async (call) => {
      calls.push(call.step);
      return { output: fakeStepOutputs[call.step] };
    },
    { promotion: { approval: { required: true, timeout: '2s' } } },
  );
  const promotion = (result as { promotion: { promoted: boolean; approval: unknown; reasons: string[] } }).promotion;
  assert.equal(promotion.promoted, false);
  assert.deepEqual(promotion.approval, { expired: true, timeout: '2s' });
  assert.match(promotion.reasons.at(-1)!, /no approval within 2s/);
  assert.ok(!calls.includes('promote-model'));
});

test('an approval sent as an update promotes; a second decision is refused', async () => {
  const calls: InvokeFunctionRequest[] = [];
  const { result } = await runWith(
    async (call) => {
      calls.push(call);
      return { output: fakeStepOutputs[call.step] };
    },
    { promotion: { approval: { required: true, timeout: '10m' } } },
    {
      whileRunning: async (handle) => {
        await assert.rejects(
          handle.executeUpdate(approvePromotionUpdate, { args: [{ approved: true, by: '' }] }),
          'a decision without a name is refused',
        );
        while ((await handle.query(promotionStatusQuery)).state !== 'awaiting-approval')
          await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
          await handle.executeUpdate(approvePromotionUpdate, {
            args: [{ approved: true, by: 'alice', reason: 'checked the report' }],
          }),
          { version: 'cccccccccccc', approved: true },
        );
        await assert.rejects(
          handle.executeUpdate(approvePromotionUpdate, { args: [{ approved: false, by: 'bob' }] }),
          (error: Error) =>
            /not waiting for an approval \(state: approved\)/.test(String((error.cause as Error | undefined)?.message)),
        );
      },
    },
  );
  const promotion = (result as { promotion: { promoted: boolean; reasons: string[] } }).promotion;
  assert.equal(promotion.promoted, true);
  assert.match(promotion.reasons.at(-1)!, /approved by alice: checked the report/);
  const promote = calls.find((call) => call.step === 'promote-model')!;
  assert.equal((promote.input as { by: string }).by, 'alice');
});

test('tune-classifier trains every candidate, never more than maxConcurrent at once, and registers the best', async () => {
  let running = 0;
  let peak = 0;
  const trained: string[] = [];
  const scores = [0.91, 0.95, 0.93, 0.95];
  const { result, error, pipeline, stepCalls } = await runWith(
    async (call) => {
      if (call.step === 'train') {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 150));
        running -= 1;
        const { params } = (call.input as { model: { params: { C: number } } }).model;
        trained.push(call.step);
        const output = fakeStepOutputs.train as { model: object };
        return { output: { ...output, model: { ...output.model, params } } };
      }
      if (call.step === 'evaluate') {
        const index = (call.input as { model: { params: { C: number } } }).model.params.C - 1; // candidate i has C = i + 1
        const metrics = { accuracy: scores[index]!, f1: scores[index]!, precision: 0.9, recall: 0.9, holdoutRows: 114 };
        return { output: { ...(fakeStepOutputs.evaluate as object), metrics, production: null } };
      }
      return { output: fakeStepOutputs[call.step] };
    },
    {
      candidates: scores.map((_, index) => ({ type: 'logistic_regression', params: { C: index + 1 } })),
      maxConcurrent: 2,
      metric: 'f1',
    },
    { workflowType: 'tuneClassifier' },
  );
  assert.equal(error, undefined, String(error));
  assertPlannedStepsRan(pipeline, stepCalls);
  assert.equal(trained.length, 4);
  assert.equal(peak, 2, 'two trainings ran at once, never three');
  const tuned = result as { best: number; candidates: { metrics: { f1: number } }[] };
  assert.equal(tuned.best, 1, 'the first of the two best scores wins the tie');
  assert.deepEqual(
    tuned.candidates.map((candidate) => candidate.metrics.f1),
    scores,
  );
});

/** A registry holding `rules` as version `version` of the model's policy; records which models were asked for. */
function storedPolicy(rules: PromotionPolicyInput, version: number, asked: string[] = []) {
  return async ({ modelName }: { modelName: string }) => {
    asked.push(modelName);
    return { version, rules: promotionPolicy.parse(rules) };
  };
}

test("the model's policy holds: a run asking for minimum 0 without beating production is not promoted, and its result says why", async () => {
  const asked: string[] = [];
  const calls: string[] = [];
  const fake = withProduction({
    version: 'bbbbbbbbbbbb',
    metrics: { accuracy: 0.98, f1: 0.97, precision: 0.98, recall: 0.97, holdoutRows: 114 },
  });
  const { result, description } = await runWith(
    async (call) => {
      calls.push(call.step);
      return fake(call);
    },
    { promotion: { minimum: 0, mustBeatProduction: false } },
    { readModelPolicy: storedPolicy({ minimum: 0.99 }, 4, asked) },
  );
  assert.deepEqual(asked, ['classifier'], "the registered model's policy is read");
  assert.ok(!calls.includes('promote-model'));
  const promotion = (
    result as { promotion: { promoted: boolean; reasons: string[]; policy: { version: number; notApplied: string[] } } }
  ).promotion;
  assert.equal(promotion.promoted, false);
  assert.deepEqual(promotion.reasons, [
    'accuracy 0.9700 is below the minimum 0.9900',
    'accuracy 0.9700 does not beat production version bbbbbbbbbbbb (0.9800)',
    "the signature matches production version bbbbbbbbbbbb's (2 features, 2 classes)",
  ]);
  assert.equal(promotion.policy.version, 4);
  assert.deepEqual(promotion.policy.notApplied, [
    "promotion.minimum = 0 would loosen the model's policy (version 4): 0.99 applies",
    "promotion.mustBeatProduction = false would loosen the model's policy (version 4): true applies",
  ]);
  assert.equal((description.memo as { promotion: { policyVersion: number } }).promotion.policyVersion, 4);
});

/** evaluate's view of a 3-feature production version it did not score (the candidate reads f1, f2). */
const otherFeatures = {
  version: 'bbbbbbbbbbbb',
  signature: signatureOf({ features: ['x', 'y', 'z'], classes: [0, 1, 2], target: 'target' }),
  notScored: 'it reads other features',
};

test("a candidate breaking production's signature stays in staging, the reasons naming what differs", async () => {
  const calls: string[] = [];
  const fake = withProduction(null, otherFeatures);
  const { result, description } = await runWith(async (call) => {
    calls.push(call.step);
    return fake(call);
  });
  assert.ok(!calls.includes('promote-model'));
  const { promotion } = result as { promotion: { promoted: boolean; reasons: string[] } };
  assert.equal(promotion.promoted, false);
  assert.deepEqual(promotion.reasons, [
    'accuracy 0.9700 reaches the minimum 0.8000',
    'accuracy not compared with production version bbbbbbbbbbbb: it reads other features, and it must beat production',
    "the signature breaks production version bbbbbbbbbbbb's (features removed: x, y, z; added: f1, f2; classes removed: 2): callers of predict would fail, so the version stays in staging; an admin may allow it with allowBreakingSignature in the model's policy (PUT /models/classifier/policy)",
  ]);
  assert.equal(description.typedSearchAttributes.get(batonSearchAttributes.stage), 'staging');
});

test("a policy allowing breaking changes promotes such a candidate; the outcome names the policy's version", async () => {
  const calls: InvokeFunctionRequest[] = [];
  const fake = withProduction(null, otherFeatures);
  const { result } = await runWith(
    async (call) => {
      calls.push(call);
      return fake(call);
    },
    {},
    { readModelPolicy: storedPolicy({ allowBreakingSignature: true }, 5) },
  );
  const { promotion } = result as {
    promotion: { promoted: boolean; reasons: string[]; policy: { version: number; rules: object } };
  };
  assert.equal(promotion.promoted, true, promotion.reasons.join('; '));
  assert.equal(promotion.policy.version, 5);
  assert.equal((promotion.policy.rules as { allowBreakingSignature: boolean }).allowBreakingSignature, true);
  assert.match(promotion.reasons.at(-1)!, /allowed by allowBreakingSignature in the model's policy \(version 5\)$/);
  const promote = calls.find((call) => call.step === 'promote-model');
  assert.match((promote?.input as { reason: string }).reason, /breaks production version bbbbbbbbbbbb's/);
});

test('a model whose policy cannot be read promotes nothing; the run still ends with its version in staging', async () => {
  const calls: string[] = [];
  const { result, error } = await runWith(
    async (call) => {
      calls.push(call.step);
      return { output: fakeStepOutputs[call.step] };
    },
    {},
    {
      readModelPolicy: async () => {
        throw ApplicationFailure.nonRetryable(
          'registry document models/classifier/policy.json is invalid: rules.minimum: too big',
          FailureType.ModelPolicyInvalid,
        );
      },
    },
  );
  assert.equal(error, undefined, String(error));
  assert.ok(!calls.includes('promote-model'));
  assert.ok(calls.includes('report'));
  const promotion = (result as { promotion: { promoted: boolean; reasons: string[] } }).promotion;
  assert.equal(promotion.promoted, false);
  assert.match(
    promotion.reasons[0]!,
    /promotion policy of model "classifier" could not be read \(registry document models\/classifier\/policy\.json is invalid: rules\.minimum: too big\): the version stays in staging/,
  );
});

test("approverMustNotBeStarter: the run's starter cannot approve it, nor can a decision without an id; someone else can", async () => {
  const { result } = await runWith(
    async (call) => ({ output: fakeStepOutputs[call.step] }),
    {},
    {
      readModelPolicy: storedPolicy(
        { approval: { required: true, timeout: '10m', approverMustNotBeStarter: true } },
        2,
      ),
      memo: { startedBy: { id: 'key:aaaaaaaaaaaa', name: 'ci-bot' } },
      whileRunning: async (handle) => {
        let status = await handle.query(promotionStatusQuery);
        while (status.state !== 'awaiting-approval') {
          await new Promise((resolve) => setTimeout(resolve, 100));
          status = await handle.query(promotionStatusQuery);
        }
        assert.equal(status.approverMustNotBeStarter, true, 'the approval status tells approvers');
        const refused = (error: Error) => {
          const cause = error.cause as ApplicationFailure | undefined;
          return (
            cause?.type === 'ApproverIsStarter' &&
            /requires an approver other than the one who started the run: ci-bot started this run/.test(
              String(cause.message),
            )
          );
        };
        await assert.rejects(
          handle.executeUpdate(approvePromotionUpdate, {
            args: [{ approved: true, by: 'ci-bot', byId: 'key:aaaaaaaaaaaa' }],
          }),
          refused,
        );
        await assert.rejects(
          handle.executeUpdate(approvePromotionUpdate, { args: [{ approved: true, by: 'someone' }] }),
          (error: Error) => /names no approver id/.test(String((error.cause as Error | undefined)?.message)),
        );
        assert.equal(
          (await handle.query(promotionStatusQuery)).state,
          'awaiting-approval',
          'refused decisions change nothing',
        );
        assert.deepEqual(
          await handle.executeUpdate(approvePromotionUpdate, {
            args: [{ approved: true, by: 'alice', byId: 'key:bbbbbbbbbbbb' }],
          }),
          { version: 'cccccccccccc', approved: true },
        );
      },
    },
  );
  const promotion = (result as { promotion: { promoted: boolean; reasons: string[]; policy: { version: number } } })
    .promotion;
  assert.equal(promotion.promoted, true);
  assert.equal(promotion.policy.version, 2);
  assert.match(promotion.reasons.at(-1)!, /approved by alice$/);
});

test("a model's policy looser than the defaults applies to a run that says nothing, with its input parsed as the trigger API does", async () => {
  const calls: string[] = [];
  const fake = withProduction({
    version: 'bbbbbbbbbbbb',
    metrics: { accuracy: 0.98, f1: 0.97, precision: 0.98, recall: 0.97, holdoutRows: 114 },
  });
  const { result } = await runWith(
    async (call) => {
      calls.push(call.step);
      return fake(call);
    },
    trainClassifierInput.parse({}),
    { readModelPolicy: storedPolicy({ mustBeatProduction: false }, 1) },
  );
  const promotion = (
    result as { promotion: { promoted: boolean; reasons: string[]; policy: { notApplied?: string[] } } }
  ).promotion;
  assert.equal(promotion.promoted, true, promotion.reasons.join('; '));
  assert.ok(calls.includes('promote-model'));
  assert.equal(promotion.policy.notApplied, undefined, 'the run asked nothing, so nothing was refused');
});

test('train-classifier-resumable calls exactly the steps its definition plans', async () => {
  const { error, pipeline, stepCalls } = await runWith(
    async (call) => ({ output: fakeStepOutputs[call.step === 'train-epochs' ? 'train' : call.step] }),
    {},
    { workflowType: 'trainClassifierResumable' },
  );
  assert.equal(error, undefined, String(error));
  assertPlannedStepsRan(pipeline, stepCalls);
});

test('a CSV source calls fetch-csv through the fetch-csv function, a step its pipelines declare as an alternative', async () => {
  const csv = { uri: 's3://baton-artifacts/runs/w/fetch-csv/source.csv', sha256: '3'.repeat(64), size: 100 };
  const { error, stepCalls } = await runWith(
    async (call) => ({ output: call.step === 'fetch-csv' ? { artifact: csv } : fakeStepOutputs[call.step] }),
    { source: { kind: 'csv', name: 'iris-csv', path: 'iris.csv', target: 'species' } },
  );
  assert.equal(error, undefined, String(error));
  assert.deepEqual(stepCalls.slice(0, 2), [
    { step: 'fetch-csv', function: 'fetch-csv' },
    { step: 'ingest', function: 'ingest' },
  ]);
});
