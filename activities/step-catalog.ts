import { allSteps, type PipelineDefinition } from '../workflows/pipeline-definition.ts';
import type { StepDefinition } from '../workflows/step-definition.ts';

/** Every step the worker can run, by name. */
export type StepCatalog = ReadonlyMap<string, StepDefinition>;

/**
 * The worker's steps: every step of the catalog's list (`workflows/steps/index.ts` for Baton's own), by name.
 * Two different steps may not share a name, and every step a pipeline declares must be in the list: a pipeline
 * whose step is missing stops start-up here instead of failing its runs with "unknown to this worker".
 */
export function buildStepCatalog(
  everyStep: readonly StepDefinition[],
  pipelines: readonly PipelineDefinition[],
): StepCatalog {
  const steps = new Map<string, StepDefinition>();
  for (const step of everyStep) {
    const known = steps.get(step.name);
    if (known && known !== step)
      throw new Error(`two different steps are named "${step.name}": step names must be unique`);
    steps.set(step.name, step);
  }
  for (const pipeline of pipelines) {
    for (const step of allSteps(pipeline)) {
      const known = steps.get(step.name);
      if (known === step) continue;
      throw new Error(
        known
          ? `pipeline ${pipeline.name} declares a step "${step.name}" that is not the catalog's step of that name: step names must be unique`
          : `pipeline ${pipeline.name} declares step "${step.name}", which the catalog's list of every step leaves out: add it to the \`steps\` list (workflows/steps/index.ts)`,
      );
    }
  }
  return steps;
}
