import { allSteps, type PipelineDefinition } from '../workflows/pipeline-definition.ts';
import type { StepDefinition } from '../workflows/step-definition.ts';

/** Every step the worker can run, by name. */
export type StepCatalog = ReadonlyMap<string, StepDefinition>;

/** Collects the steps of all pipelines; two different steps may not share a name. */
export function buildStepCatalog(pipelines: readonly PipelineDefinition[]): StepCatalog {
  const steps = new Map<string, StepDefinition>();
  for (const pipeline of pipelines) {
    for (const step of allSteps(pipeline)) {
      const known = steps.get(step.name);
      if (known && known !== step) throw new Error(`two different steps are named "${step.name}" (pipeline ${pipeline.name}): step names must be unique`);
      steps.set(step.name, step);
    }
  }
  return steps;
}
