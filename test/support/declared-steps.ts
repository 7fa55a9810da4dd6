/**
 * Holds a pipeline's declared steps to what its workflow really calls: workflow tests record the invoke
 * activity's calls and check them here, so `steps`/`alternativeSteps` (what GET /pipelines and a run's view show)
 * cannot drift from the workflow code.
 */
import assert from 'node:assert/strict';
import { allSteps, type PipelineDefinition } from '../../workflows/pipeline-definition.ts';

/** One recorded call of the invoke activity. */
export interface RecordedStepCall {
  step: string;
  function: string;
}

/** Every step the workflow invoked is declared by the pipeline (planned or alternative), with its function. */
export function assertCallsDeclared(pipeline: PipelineDefinition, calls: readonly RecordedStepCall[]): void {
  const declared = new Map(allSteps(pipeline).map((step) => [step.name, step]));
  for (const call of calls) {
    const step = declared.get(call.step);
    assert.ok(
      step,
      `pipeline ${pipeline.name} calls step "${call.step}", which its definition declares neither in \`steps\` nor in \`alternativeSteps\``,
    );
    assert.equal(
      call.function,
      step.function,
      `pipeline ${pipeline.name}: step "${call.step}" called function "${call.function}", its definition says "${step.function}"`,
    );
  }
}

/** A full run (every planned step reached) invoked exactly the planned steps, in their first-call order. */
export function assertPlannedStepsRan(pipeline: PipelineDefinition, calls: readonly RecordedStepCall[]): void {
  const planned = pipeline.steps.map((step) => step.name);
  const alternatives = new Set((pipeline.alternativeSteps ?? []).map((step) => step.name));
  const invoked = [...new Set(calls.map((call) => call.step))].filter((name) => !alternatives.has(name));
  assert.deepEqual(
    invoked,
    planned,
    `pipeline ${pipeline.name}: the planned \`steps\` must be the steps a full run calls, in order`,
  );
}
